//! Colours as CSS and HTML write them, and whether text in one is seen on
//! another.

/// A colour as red, green, blue.
pub(super) type Rgb = (u8, u8, u8);

/// The white a message is shown on unless it sets a background.
pub(super) const PAGE: Rgb = (255, 255, 255);

/// A CSS colour: `#fff`, `#ffffff`, `rgb(255, 255, 255)`, `hsl(0, 0%, 100%)`,
/// `hwb()`, `lab()`, `lch()`, `oklab()`, `oklch()`, the named colours and
/// the system ones (`Canvas`). `None` for what is not read and for a
/// transparent one (what is behind it shows).
pub(super) fn colour(value: &[u8]) -> Option<Rgb> {
    paint(value).and_then(|(rgb, opaque)| opaque.then_some(rgb))
}

/// What a `color` or `background-color` declaration paints with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Paint {
    Colour(Rgb),
    /// Nothing is drawn: what is behind shows.
    Transparent,
    /// A colour this reader cannot work out (`var(--c)`, `color-mix()`, a
    /// name it does not know): text in it may or may not be seen.
    Unknown,
}

/// A declared colour as it paints; `None` for the keywords that change
/// nothing (`inherit`, `currentcolor`, `unset`, `revert`) and for nothing
/// written.
pub(super) fn paint_of(value: &[u8]) -> Option<Paint> {
    let value = value.trim_ascii();
    if value.is_empty() {
        return None;
    }
    if let Some((rgb, opaque)) = paint(value) {
        return Some(if opaque {
            Paint::Colour(rgb)
        } else {
            Paint::Transparent
        });
    }
    let keyword = |k: &str| value.eq_ignore_ascii_case(k.as_bytes());
    if [
        "inherit",
        "currentcolor",
        "unset",
        "revert",
        "revert-layer",
        "none",
    ]
    .into_iter()
    .any(keyword)
    {
        return None;
    }
    Some(Paint::Unknown)
}

/// A colour and whether it is drawn at all (an alpha of under a tenth is
/// not).
pub(super) fn paint(value: &[u8]) -> Option<(Rgb, bool)> {
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
            let (number, is_percent) = match part.strip_suffix('%') {
                Some(pc) => (pc, true),
                None => (part, false),
            };
            numbers[i] = if number == "none" {
                0.0
            } else {
                angle(number)?
            };
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
            "hwb" => hwb(numbers[0], numbers[1] / 100.0, numbers[2] / 100.0),
            "lab" | "lch" | "oklab" | "oklch" => lab_like(function, numbers, percent)?,
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
        // The system colours a page and its text are drawn in.
        "window" | "canvas" | "field" | "highlighttext" | "infobackground" => {
            return Some(((255, 255, 255), true))
        }
        "windowtext" | "canvastext" | "fieldtext" | "buttontext" | "marktext" | "captiontext"
        | "infotext" | "menutext" => return Some(((0, 0, 0), true)),
        "buttonface" | "buttonhighlight" | "threedface" | "menu" => {
            return Some(((0xf0, 0xf0, 0xf0), true))
        }
        "graytext" => return Some(((0x80, 0x80, 0x80), true)),
        "linktext" | "-webkit-link" => return Some(((0, 0, 0xee), true)),
        "-webkit-text" => return Some(((0, 0, 0), true)),
        "visitedtext" => return Some(((0x55, 0x1a, 0x8b), true)),
        "activetext" => return Some(((0xff, 0, 0), true)),
        "mark" => return Some(((0xff, 0xff, 0), true)),
        _ => {}
    }
    NAMED
        .binary_search_by(|(name, _)| name.cmp(&text))
        .ok()
        .and_then(|at| NAMED.get(at))
        .map(|(_, rgb)| (*rgb, true))
}

/// A number, or an angle in degrees (`120deg`, `0.5turn`, `3rad`,
/// `100grad`) as degrees.
fn angle(text: &str) -> Option<f64> {
    let units: [(&str, f64); 4] = [
        ("deg", 1.0),
        ("grad", 0.9),
        ("rad", 180.0 / std::f64::consts::PI),
        ("turn", 360.0),
    ];
    for (unit, degrees) in units {
        if let Some(number) = text.strip_suffix(unit) {
            return number.parse::<f64>().ok().map(|n| n * degrees);
        }
    }
    text.parse().ok()
}

/// A colour given as hue (degrees), whiteness and blackness (0 to 1).
fn hwb(hue: f64, whiteness: f64, blackness: f64) -> Rgb {
    let w = whiteness.clamp(0.0, 1.0);
    let b = blackness.clamp(0.0, 1.0);
    if w + b >= 1.0 {
        let grey = (w / (w + b) * 255.0).round() as u8;
        return (grey, grey, grey);
    }
    let (r, g, bl) = hsl(hue, 1.0, 0.5);
    let mix = |c: u8| ((f64::from(c) / 255.0 * (1.0 - w - b) + w) * 255.0).round() as u8;
    (mix(r), mix(g), mix(bl))
}

/// `lab()`, `lch()` (CIE, D50) and `oklab()`, `oklch()`, as sRGB (clamped
/// to it): lightness first, then `a` and `b` or chroma and hue.
fn lab_like(function: &str, numbers: [f64; 4], percent: [bool; 4]) -> Option<Rgb> {
    let ok = function.starts_with("ok");
    let polar = function.ends_with("ch");
    // What 100% stands for: lightness, then a, b or chroma.
    let (l_full, ab_full, chroma_full) = if ok {
        (1.0, 0.4, 0.4)
    } else {
        (100.0, 125.0, 150.0)
    };
    let lightness = if percent[0] {
        numbers[0] / 100.0 * l_full
    } else {
        numbers[0]
    };
    let (a, b) = if polar {
        let chroma = if percent[1] {
            numbers[1] / 100.0 * chroma_full
        } else {
            numbers[1]
        };
        let hue = numbers[2].to_radians();
        (chroma * hue.cos(), chroma * hue.sin())
    } else {
        let axis = |i: usize| {
            if percent[i] {
                numbers[i] / 100.0 * ab_full
            } else {
                numbers[i]
            }
        };
        (axis(1), axis(2))
    };
    let linear = if ok {
        let l_ = lightness + 0.396_337_777_4 * a + 0.215_803_757_3 * b;
        let m_ = lightness - 0.105_561_345_8 * a - 0.063_854_172_8 * b;
        let s_ = lightness - 0.089_484_177_5 * a - 1.291_485_548 * b;
        let (l, m, s) = (l_.powi(3), m_.powi(3), s_.powi(3));
        [
            4.076_741_662_1 * l - 3.307_711_591_3 * m + 0.230_969_929_2 * s,
            -1.268_438_004_6 * l + 2.609_757_401_1 * m - 0.341_319_396_5 * s,
            -0.004_196_086_3 * l - 0.703_418_614_7 * m + 1.707_614_701 * s,
        ]
    } else {
        // CIE Lab to XYZ (D50), then to linear sRGB (D65, Bradford).
        let fy = (lightness + 16.0) / 116.0;
        let fx = fy + a / 500.0;
        let fz = fy - b / 200.0;
        let inverse = |f: f64| {
            if f.powi(3) > 216.0 / 24389.0 {
                f.powi(3)
            } else {
                (116.0 * f - 16.0) / (24389.0 / 27.0)
            }
        };
        let y = if lightness > 8.0 {
            fy.powi(3)
        } else {
            lightness / (24389.0 / 27.0)
        };
        let (x, z) = (inverse(fx) * 0.964_22, inverse(fz) * 0.825_21);
        [
            3.134_136 * x - 1.617_386 * y - 0.490_662 * z,
            -0.978_795 * x + 1.916_254 * y + 0.033_443 * z,
            0.071_955 * x - 0.228_977 * y + 1.405_386 * z,
        ]
    };
    if linear.iter().any(|c| !c.is_finite()) {
        return None;
    }
    let gamma = |c: f64| {
        let c = c.clamp(0.0, 1.0);
        let v = if c <= 0.003_130_8 {
            12.92 * c
        } else {
            1.055 * c.powf(1.0 / 2.4) - 0.055
        };
        (v * 255.0).round().clamp(0.0, 255.0) as u8
    };
    Some((gamma(linear[0]), gamma(linear[1]), gamma(linear[2])))
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
