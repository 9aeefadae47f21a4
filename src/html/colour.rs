//! Colours as CSS and HTML write them, and whether text in one is seen on
//! another.

/// A colour as red, green, blue.
pub(super) type Rgb = (u8, u8, u8);

/// The white a message is shown on unless it sets a background.
pub(super) const PAGE: Rgb = (255, 255, 255);

/// A CSS colour: `#fff`, `#ffffff`, `rgb(255, 255, 255)`, `hsl(0, 0%, 100%)`
/// and the named colours. `None` for what is not read (a colour is then
/// unknown, never taken for the background's) and for a transparent one
/// (what is behind it shows).
pub(super) fn colour(value: &[u8]) -> Option<Rgb> {
    paint(value).and_then(|(rgb, opaque)| opaque.then_some(rgb))
}

/// A colour and whether it is drawn at all (an alpha of under a tenth is
/// not).
fn paint(value: &[u8]) -> Option<(Rgb, bool)> {
    let value = value.trim_ascii();
    // Lower-cased on the stack when short, as a colour is.
    let mut room = [0u8; 64];
    let owned: Vec<u8>;
    let lowered: &[u8] = match room.get_mut(..value.len()) {
        Some(slot) => {
            slot.copy_from_slice(value);
            slot.make_ascii_lowercase();
            slot
        }
        None => {
            owned = value.to_ascii_lowercase();
            &owned
        }
    };
    let text = std::str::from_utf8(lowered).ok()?;
    if let Some(hex) = text.strip_prefix('#') {
        let digits: Vec<u8> = hex
            .chars()
            .map(|c| c.to_digit(16).and_then(|d| u8::try_from(d).ok()))
            .collect::<Option<_>>()?;
        return match digits.as_slice() {
            [r, g, b] => Some(((r * 17, g * 17, b * 17), true)),
            [r, g, b, a] => Some(((r * 17, g * 17, b * 17), *a > 1)),
            [r1, r2, g1, g2, b1, b2] => Some(((r1 * 16 + r2, g1 * 16 + g2, b1 * 16 + b2), true)),
            [r1, r2, g1, g2, b1, b2, a1, a2] => Some((
                (r1 * 16 + r2, g1 * 16 + g2, b1 * 16 + b2),
                a1 * 16 + a2 >= 26,
            )),
            _ => None,
        };
    }
    if let Some((function, inside)) = text.split_once('(') {
        let inside = inside.strip_suffix(')')?;
        let mut parts = inside.split([',', ' ', '/']).filter(|p| !p.is_empty());
        let mut numbers = [0.0f64; 4];
        let mut percent = [false; 4];
        let mut count = 0;
        for (i, part) in parts.by_ref().take(4).enumerate() {
            let part = part.strip_suffix("deg").unwrap_or(part);
            let (number, is_percent) = match part.strip_suffix('%') {
                Some(pc) => (pc, true),
                None => (part, false),
            };
            numbers[i] = number.parse::<f64>().ok()?;
            percent[i] = is_percent;
            count = i + 1;
        }
        if count < 3 || parts.next().is_some() {
            return None;
        }
        let alpha = match count {
            4 if percent[3] => numbers[3] / 100.0,
            4 => numbers[3],
            _ => 1.0,
        };
        let rgb = match function {
            "rgb" | "rgba" => {
                let channel = |i: usize| {
                    if percent[i] {
                        (numbers[i].clamp(0.0, 100.0) * 2.55) as u8
                    } else {
                        numbers[i].clamp(0.0, 255.0) as u8
                    }
                };
                (channel(0), channel(1), channel(2))
            }
            "hsl" | "hsla" => hsl(numbers[0], numbers[1] / 100.0, numbers[2] / 100.0),
            _ => return None,
        };
        return Some((rgb, alpha >= 0.1));
    }
    match text {
        "transparent" => return Some((PAGE, false)),
        "window" => return Some(((255, 255, 255), true)),
        "windowtext" => return Some(((0, 0, 0), true)),
        _ => {}
    }
    NAMED
        .binary_search_by(|(name, _)| name.cmp(&text))
        .ok()
        .and_then(|at| NAMED.get(at))
        .map(|(_, rgb)| (*rgb, true))
}

/// A colour given as hue (degrees), saturation and lightness (0 to 1).
fn hsl(hue: f64, saturation: f64, lightness: f64) -> Rgb {
    let s = saturation.clamp(0.0, 1.0);
    let l = lightness.clamp(0.0, 1.0);
    let h = hue.rem_euclid(360.0) / 30.0;
    let a = s * l.min(1.0 - l);
    let f = |n: f64| {
        let k = (n + h) % 12.0;
        let v = l - a * (k - 3.0).min(9.0 - k).clamp(-1.0, 1.0);
        (v * 255.0).round().clamp(0.0, 255.0) as u8
    };
    (f(0.0), f(8.0), f(4.0))
}

/// A colour written as text that is not drawn (`transparent`, an alpha
/// of under a tenth).
pub(super) fn is_transparent(value: &[u8]) -> bool {
    paint(value).is_some_and(|(_, opaque)| !opaque)
}

/// An HTML attribute's colour (`bgcolor`, a `<font>`'s `color`), read as
/// browsers read it: a CSS name or `#` colour, else the legacy way, where
/// `ffffff` without its `#` is white and what is no hexadecimal digit
/// counts as 0.
pub(super) fn legacy_colour(value: &[u8]) -> Option<Rgb> {
    let value = value.trim_ascii();
    if value.is_empty() || value.eq_ignore_ascii_case(b"transparent") {
        return None;
    }
    if let Some(rgb) = colour(value) {
        return Some(rgb);
    }
    let value = value.strip_prefix(b"#").unwrap_or(value);
    let mut digits: Vec<u8> = value
        .iter()
        .take(128)
        .map(|b| match *b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => 0,
        })
        .collect();
    while digits.is_empty() || !digits.len().is_multiple_of(3) {
        digits.push(0);
    }
    let length = digits.len() / 3;
    let mut parts: Vec<&[u8]> = digits.chunks(length).collect();
    for part in &mut parts {
        *part = &part[part.len().saturating_sub(8)..];
    }
    while parts[0].len() > 2 && parts.iter().all(|p| p.first() == Some(&0)) {
        for part in &mut parts {
            *part = &part[1..];
        }
    }
    let channel = |part: &[u8]| {
        part.iter()
            .take(2)
            .fold(0u8, |n, d| n.wrapping_mul(16).wrapping_add(*d))
    };
    Some((channel(parts[0]), channel(parts[1]), channel(parts[2])))
}

/// CSS's named colours, sorted by name for a binary search.
const NAMED: [(&str, Rgb); 148] = [
    ("aliceblue", (0xf0, 0xf8, 0xff)),
    ("antiquewhite", (0xfa, 0xeb, 0xd7)),
    ("aqua", (0x00, 0xff, 0xff)),
    ("aquamarine", (0x7f, 0xff, 0xd4)),
    ("azure", (0xf0, 0xff, 0xff)),
    ("beige", (0xf5, 0xf5, 0xdc)),
    ("bisque", (0xff, 0xe4, 0xc4)),
    ("black", (0x00, 0x00, 0x00)),
    ("blanchedalmond", (0xff, 0xeb, 0xcd)),
    ("blue", (0x00, 0x00, 0xff)),
    ("blueviolet", (0x8a, 0x2b, 0xe2)),
    ("brown", (0xa5, 0x2a, 0x2a)),
    ("burlywood", (0xde, 0xb8, 0x87)),
    ("cadetblue", (0x5f, 0x9e, 0xa0)),
    ("chartreuse", (0x7f, 0xff, 0x00)),
    ("chocolate", (0xd2, 0x69, 0x1e)),
    ("coral", (0xff, 0x7f, 0x50)),
    ("cornflowerblue", (0x64, 0x95, 0xed)),
    ("cornsilk", (0xff, 0xf8, 0xdc)),
    ("crimson", (0xdc, 0x14, 0x3c)),
    ("cyan", (0x00, 0xff, 0xff)),
    ("darkblue", (0x00, 0x00, 0x8b)),
    ("darkcyan", (0x00, 0x8b, 0x8b)),
    ("darkgoldenrod", (0xb8, 0x86, 0x0b)),
    ("darkgray", (0xa9, 0xa9, 0xa9)),
    ("darkgreen", (0x00, 0x64, 0x00)),
    ("darkgrey", (0xa9, 0xa9, 0xa9)),
    ("darkkhaki", (0xbd, 0xb7, 0x6b)),
    ("darkmagenta", (0x8b, 0x00, 0x8b)),
    ("darkolivegreen", (0x55, 0x6b, 0x2f)),
    ("darkorange", (0xff, 0x8c, 0x00)),
    ("darkorchid", (0x99, 0x32, 0xcc)),
    ("darkred", (0x8b, 0x00, 0x00)),
    ("darksalmon", (0xe9, 0x96, 0x7a)),
    ("darkseagreen", (0x8f, 0xbc, 0x8f)),
    ("darkslateblue", (0x48, 0x3d, 0x8b)),
    ("darkslategray", (0x2f, 0x4f, 0x4f)),
    ("darkslategrey", (0x2f, 0x4f, 0x4f)),
    ("darkturquoise", (0x00, 0xce, 0xd1)),
    ("darkviolet", (0x94, 0x00, 0xd3)),
    ("deeppink", (0xff, 0x14, 0x93)),
    ("deepskyblue", (0x00, 0xbf, 0xff)),
    ("dimgray", (0x69, 0x69, 0x69)),
    ("dimgrey", (0x69, 0x69, 0x69)),
    ("dodgerblue", (0x1e, 0x90, 0xff)),
    ("firebrick", (0xb2, 0x22, 0x22)),
    ("floralwhite", (0xff, 0xfa, 0xf0)),
    ("forestgreen", (0x22, 0x8b, 0x22)),
    ("fuchsia", (0xff, 0x00, 0xff)),
    ("gainsboro", (0xdc, 0xdc, 0xdc)),
    ("ghostwhite", (0xf8, 0xf8, 0xff)),
    ("gold", (0xff, 0xd7, 0x00)),
    ("goldenrod", (0xda, 0xa5, 0x20)),
    ("gray", (0x80, 0x80, 0x80)),
    ("green", (0x00, 0x80, 0x00)),
    ("greenyellow", (0xad, 0xff, 0x2f)),
    ("grey", (0x80, 0x80, 0x80)),
    ("honeydew", (0xf0, 0xff, 0xf0)),
    ("hotpink", (0xff, 0x69, 0xb4)),
    ("indianred", (0xcd, 0x5c, 0x5c)),
    ("indigo", (0x4b, 0x00, 0x82)),
    ("ivory", (0xff, 0xff, 0xf0)),
    ("khaki", (0xf0, 0xe6, 0x8c)),
    ("lavender", (0xe6, 0xe6, 0xfa)),
    ("lavenderblush", (0xff, 0xf0, 0xf5)),
    ("lawngreen", (0x7c, 0xfc, 0x00)),
    ("lemonchiffon", (0xff, 0xfa, 0xcd)),
    ("lightblue", (0xad, 0xd8, 0xe6)),
    ("lightcoral", (0xf0, 0x80, 0x80)),
    ("lightcyan", (0xe0, 0xff, 0xff)),
    ("lightgoldenrodyellow", (0xfa, 0xfa, 0xd2)),
    ("lightgray", (0xd3, 0xd3, 0xd3)),
    ("lightgreen", (0x90, 0xee, 0x90)),
    ("lightgrey", (0xd3, 0xd3, 0xd3)),
    ("lightpink", (0xff, 0xb6, 0xc1)),
    ("lightsalmon", (0xff, 0xa0, 0x7a)),
    ("lightseagreen", (0x20, 0xb2, 0xaa)),
    ("lightskyblue", (0x87, 0xce, 0xfa)),
    ("lightslategray", (0x77, 0x88, 0x99)),
    ("lightslategrey", (0x77, 0x88, 0x99)),
    ("lightsteelblue", (0xb0, 0xc4, 0xde)),
    ("lightyellow", (0xff, 0xff, 0xe0)),
    ("lime", (0x00, 0xff, 0x00)),
    ("limegreen", (0x32, 0xcd, 0x32)),
    ("linen", (0xfa, 0xf0, 0xe6)),
    ("magenta", (0xff, 0x00, 0xff)),
    ("maroon", (0x80, 0x00, 0x00)),
    ("mediumaquamarine", (0x66, 0xcd, 0xaa)),
    ("mediumblue", (0x00, 0x00, 0xcd)),
    ("mediumorchid", (0xba, 0x55, 0xd3)),
    ("mediumpurple", (0x93, 0x70, 0xdb)),
    ("mediumseagreen", (0x3c, 0xb3, 0x71)),
    ("mediumslateblue", (0x7b, 0x68, 0xee)),
    ("mediumspringgreen", (0x00, 0xfa, 0x9a)),
    ("mediumturquoise", (0x48, 0xd1, 0xcc)),
    ("mediumvioletred", (0xc7, 0x15, 0x85)),
    ("midnightblue", (0x19, 0x19, 0x70)),
    ("mintcream", (0xf5, 0xff, 0xfa)),
    ("mistyrose", (0xff, 0xe4, 0xe1)),
    ("moccasin", (0xff, 0xe4, 0xb5)),
    ("navajowhite", (0xff, 0xde, 0xad)),
    ("navy", (0x00, 0x00, 0x80)),
    ("oldlace", (0xfd, 0xf5, 0xe6)),
    ("olive", (0x80, 0x80, 0x00)),
    ("olivedrab", (0x6b, 0x8e, 0x23)),
    ("orange", (0xff, 0xa5, 0x00)),
    ("orangered", (0xff, 0x45, 0x00)),
    ("orchid", (0xda, 0x70, 0xd6)),
    ("palegoldenrod", (0xee, 0xe8, 0xaa)),
    ("palegreen", (0x98, 0xfb, 0x98)),
    ("paleturquoise", (0xaf, 0xee, 0xee)),
    ("palevioletred", (0xdb, 0x70, 0x93)),
    ("papayawhip", (0xff, 0xef, 0xd5)),
    ("peachpuff", (0xff, 0xda, 0xb9)),
    ("peru", (0xcd, 0x85, 0x3f)),
    ("pink", (0xff, 0xc0, 0xcb)),
    ("plum", (0xdd, 0xa0, 0xdd)),
    ("powderblue", (0xb0, 0xe0, 0xe6)),
    ("purple", (0x80, 0x00, 0x80)),
    ("rebeccapurple", (0x66, 0x33, 0x99)),
    ("red", (0xff, 0x00, 0x00)),
    ("rosybrown", (0xbc, 0x8f, 0x8f)),
    ("royalblue", (0x41, 0x69, 0xe1)),
    ("saddlebrown", (0x8b, 0x45, 0x13)),
    ("salmon", (0xfa, 0x80, 0x72)),
    ("sandybrown", (0xf4, 0xa4, 0x60)),
    ("seagreen", (0x2e, 0x8b, 0x57)),
    ("seashell", (0xff, 0xf5, 0xee)),
    ("sienna", (0xa0, 0x52, 0x2d)),
    ("silver", (0xc0, 0xc0, 0xc0)),
    ("skyblue", (0x87, 0xce, 0xeb)),
    ("slateblue", (0x6a, 0x5a, 0xcd)),
    ("slategray", (0x70, 0x80, 0x90)),
    ("slategrey", (0x70, 0x80, 0x90)),
    ("snow", (0xff, 0xfa, 0xfa)),
    ("springgreen", (0x00, 0xff, 0x7f)),
    ("steelblue", (0x46, 0x82, 0xb4)),
    ("tan", (0xd2, 0xb4, 0x8c)),
    ("teal", (0x00, 0x80, 0x80)),
    ("thistle", (0xd8, 0xbf, 0xd8)),
    ("tomato", (0xff, 0x63, 0x47)),
    ("turquoise", (0x40, 0xe0, 0xd0)),
    ("violet", (0xee, 0x82, 0xee)),
    ("wheat", (0xf5, 0xde, 0xb3)),
    ("white", (0xff, 0xff, 0xff)),
    ("whitesmoke", (0xf5, 0xf5, 0xf5)),
    ("yellow", (0xff, 0xff, 0x00)),
    ("yellowgreen", (0x9a, 0xcd, 0x32)),
];

/// Two colours a reader cannot tell apart: text in one on the other is
/// not seen.
pub(super) fn alike(a: Rgb, b: Rgb) -> bool {
    let near = |x: u8, y: u8| x.abs_diff(y) <= 16;
    near(a.0, b.0) && near(a.1, b.1) && near(a.2, b.2)
}
