//! Colour spaces as a PDF names them, judged for whether a colour inks
//! the page at all and, where it can be told, which colour it is:
//! device, ICC-based, Lab, Indexed, and Separation or DeviceN with their
//! tint functions.

use super::sight::Resources;
use super::*;
use crate::documents::look::Colour;

/// More components than any colour space in a form has.
pub(super) const MAX_COMPONENTS: usize = 8;

/// A colour operator's numbers, without allocating.
pub(super) fn components(args: &[Object]) -> ([f32; MAX_COMPONENTS], usize) {
    let mut values = [0.0f32; MAX_COMPONENTS];
    let count = args.len().min(MAX_COMPONENTS);
    for (value, arg) in values.iter_mut().zip(args) {
        *value = number(arg);
    }
    (values, count)
}

/// A colour space, as far as telling white from ink goes.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Space {
    Gray,
    Rgb,
    Cmyk,
    Lab,
    /// A calibrated (`ICCBased`) four-component space: CMYK whose
    /// initial colour is all zeros, no ink.
    IccCmyk,
    /// Separation or DeviceN: each component a tint of ink, 0 none.
    Tint {
        /// Its colorants are all `/None`: it never marks the page.
        no_ink: bool,
        /// A Separation whose tint maps to its alternate space by an
        /// exponential function (the usual spot colour).
        alternate: Option<Exponential>,
    },
    /// An indexed palette, by which of its entries are white.
    Indexed([u64; 4]),
    Pattern,
    Unknown,
}

/// `C0 + t^N (C1 - C0)` in a device space.
#[derive(Clone, Copy, PartialEq)]
pub(super) struct Exponential {
    c0: [f32; 4],
    c1: [f32; 4],
    exponent: f32,
    count: usize,
    base: Device,
}

/// A space a tint maps into.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Device {
    Gray,
    Rgb,
    Cmyk,
    Lab,
}

impl Device {
    fn space(self) -> Space {
        match self {
            Device::Gray => Space::Gray,
            Device::Rgb => Space::Rgb,
            Device::Cmyk => Space::Cmyk,
            Device::Lab => Space::Lab,
        }
    }
}

impl Space {
    /// Whether a colour in this space leaves a white page white.
    pub fn is_white(&self, c: &[f32]) -> bool {
        let near_full = |v: &f32| *v >= 0.97;
        let near_none = |v: &f32| *v <= 0.03;
        match self {
            Space::Gray => c.first().is_some_and(near_full),
            Space::Rgb => c.len() >= 3 && c[..3].iter().all(near_full),
            Space::Cmyk | Space::IccCmyk => c.len() >= 4 && c[..4].iter().all(near_none),
            Space::Lab => c.len() >= 3 && c[0] >= 97.0 && c[1].abs() <= 3.0 && c[2].abs() <= 3.0,
            Space::Tint { no_ink: true, .. } => true,
            Space::Tint { alternate, .. } => {
                if c.is_empty() {
                    return false;
                }
                if c.iter().all(near_none) {
                    return true;
                }
                match alternate {
                    Some(f) if c.len() == 1 => {
                        let t = c[0].clamp(0.0, 1.0).powf(f.exponent);
                        let mut out = [0.0f32; 4];
                        for (i, o) in out.iter_mut().enumerate().take(f.count) {
                            *o = f.c0[i] + t * (f.c1[i] - f.c0[i]);
                        }
                        f.base.space().is_white(&out[..f.count])
                    }
                    _ => false,
                }
            }
            Space::Indexed(white) => {
                let Some(&index) = c.first() else {
                    return false;
                };
                let index = index.round().clamp(0.0, 255.0) as usize;
                white[index / 64] & (1 << (index % 64)) != 0
            }
            // A space that cannot be told: by its number of components.
            Space::Unknown => match c.len() {
                1 => Space::Gray.is_white(c),
                3 => Space::Rgb.is_white(c),
                4 => Space::Cmyk.is_white(c),
                _ => false,
            },
            Space::Pattern => false,
        }
    }

    /// The colour `cs` sets: black in the device spaces, zeros in a
    /// calibrated one, full ink for a tint, a palette's first entry.
    pub(super) fn initially_white(&self) -> bool {
        match self {
            Space::IccCmyk => true,
            Space::Tint { .. } => self.is_white(&[1.0]),
            Space::Indexed(_) => self.is_white(&[0.0]),
            _ => false,
        }
    }

    /// As `initially_white`, the colour itself.
    pub(super) fn initial_colour(&self) -> Option<Colour> {
        match self {
            Space::Gray | Space::Rgb | Space::Cmyk | Space::Lab => Some(Colour::BLACK),
            Space::IccCmyk => Some(Colour::WHITE),
            Space::Tint { .. } => self.colour(&[1.0]),
            Space::Indexed(_) => self.colour(&[0.0]),
            Space::Pattern | Space::Unknown => None,
        }
    }

    /// A colour in this space as a screen shows it, near enough, when it
    /// can be told: device and calibrated spaces converted as their
    /// families are; a tint of none of its ink as the paper (it knocks
    /// out what is under it), of some by its exponential function; a
    /// palette's white entries. A colorant `/None` paints nothing, so has
    /// no colour.
    pub fn colour(&self, c: &[f32]) -> Option<Colour> {
        let byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        match self {
            Space::Gray => c.first().map(|&g| Colour::rgb(byte(g), byte(g), byte(g))),
            Space::Rgb => (c.len() >= 3).then(|| Colour::rgb(byte(c[0]), byte(c[1]), byte(c[2]))),
            Space::Cmyk | Space::IccCmyk => (c.len() >= 4).then(|| {
                let ink = |v: f32| byte((1.0 - v.clamp(0.0, 1.0)) * (1.0 - c[3].clamp(0.0, 1.0)));
                Colour::rgb(ink(c[0]), ink(c[1]), ink(c[2]))
            }),
            Space::Lab => (c.len() >= 3).then(|| lab_to_rgb(c[0], c[1], c[2])),
            Space::Tint { no_ink: true, .. } => None,
            Space::Tint { alternate, .. } => {
                if !c.is_empty() && c.iter().all(|v| *v <= 0.03) {
                    return Some(Colour::WHITE);
                }
                match alternate {
                    Some(f) if c.len() == 1 => {
                        let t = c[0].clamp(0.0, 1.0).powf(f.exponent);
                        let mut out = [0.0f32; 4];
                        for (i, o) in out.iter_mut().enumerate().take(f.count) {
                            *o = f.c0[i] + t * (f.c1[i] - f.c0[i]);
                        }
                        f.base.space().colour(&out[..f.count])
                    }
                    _ => None,
                }
            }
            Space::Indexed(_) => self.is_white(c).then_some(Colour::WHITE),
            Space::Unknown => match c.len() {
                1 => Space::Gray.colour(c),
                3 => Space::Rgb.colour(c),
                4 => Space::Cmyk.colour(c),
                _ => None,
            },
            Space::Pattern => None,
        }
    }

    fn count(&self) -> usize {
        match self {
            Space::Gray | Space::Tint { .. } | Space::Indexed(_) => 1,
            Space::Rgb | Space::Lab => 3,
            Space::Cmyk | Space::IccCmyk => 4,
            Space::Pattern | Space::Unknown => 0,
        }
    }

    /// A colour space by its name in `cs`/`CS`: a device space, or one
    /// of the page's resources.
    pub fn named(resources: &Resources, name: &[u8]) -> Space {
        Space::device(name).unwrap_or_else(|| {
            resources
                .get(b"ColorSpace", name)
                .map_or(Space::Unknown, |o| Space::of(resources.document, o, 0))
        })
    }

    fn device(name: &[u8]) -> Option<Space> {
        Some(match name {
            b"DeviceGray" | b"G" | b"CalGray" => Space::Gray,
            b"DeviceRGB" | b"RGB" | b"CalRGB" => Space::Rgb,
            b"DeviceCMYK" | b"CMYK" => Space::Cmyk,
            b"Pattern" => Space::Pattern,
            _ => return None,
        })
    }

    fn of(document: &Document, object: &Object, depth: usize) -> Space {
        let object = deref(document, object);
        if let Ok(name) = object.as_name() {
            return Space::device(name).unwrap_or(Space::Unknown);
        }
        let Ok(array) = object.as_array() else {
            return Space::Unknown;
        };
        let part = |i: usize| array.get(i).map(|o| deref(document, o));
        let Some(family) = part(0).and_then(|o| o.as_name().ok()) else {
            return Space::Unknown;
        };
        if depth > 2 {
            return Space::Unknown;
        }
        match family {
            b"CalGray" => Space::Gray,
            b"CalRGB" => Space::Rgb,
            b"Lab" => Space::Lab,
            b"Pattern" => Space::Pattern,
            b"ICCBased" => {
                let n = part(1)
                    .and_then(|s| s.as_stream().ok())
                    .and_then(|s| s.dict.get(b"N").ok())
                    .and_then(|n| deref(document, n).as_i64().ok());
                match n {
                    Some(1) => Space::Gray,
                    Some(3) => Space::Rgb,
                    Some(4) => Space::IccCmyk,
                    _ => Space::Unknown,
                }
            }
            b"Separation" => {
                let none = part(1).and_then(|n| n.as_name().ok()) == Some(b"None".as_slice());
                Space::Tint {
                    no_ink: none || never_inks(document, part(2), part(3), 1, depth),
                    alternate: part(2).zip(part(3)).and_then(|(alternate, function)| {
                        exponential(document, alternate, function, depth)
                    }),
                }
            }
            b"DeviceN" => {
                let none = part(1)
                    .and_then(|n| n.as_array().ok())
                    .is_some_and(|names| {
                        !names.is_empty()
                            && names
                                .iter()
                                .all(|n| n.as_name().ok() == Some(b"None".as_slice()))
                    });
                let inputs = part(1).and_then(|n| n.as_array().ok()).map_or(0, Vec::len);
                Space::Tint {
                    no_ink: none || never_inks(document, part(2), part(3), inputs, depth),
                    alternate: None,
                }
            }
            b"Indexed" | b"I" => indexed(document, array, depth),
            _ => Space::Unknown,
        }
    }
}

/// CIE L*a*b* (a D65 white) as sRGB.
pub(super) fn lab_to_rgb(l: f32, a: f32, b: f32) -> Colour {
    let fy = (l + 16.0) / 116.0;
    let (fx, fz) = (fy + a / 500.0, fy - b / 200.0);
    let inverse = |f: f32| {
        if f > 6.0 / 29.0 {
            f * f * f
        } else {
            3.0 * (6.0f32 / 29.0).powi(2) * (f - 4.0 / 29.0)
        }
    };
    let (x, y, z) = (0.9505 * inverse(fx), inverse(fy), 1.089 * inverse(fz));
    let gamma = |v: f32| {
        let v = v.clamp(0.0, 1.0);
        let v = if v <= 0.003_130_8 {
            12.92 * v
        } else {
            1.055 * v.powf(1.0 / 2.4) - 0.055
        };
        (v * 255.0).round() as u8
    };
    Colour::rgb(
        gamma(3.2406 * x - 1.5372 * y - 0.4986 * z),
        gamma(-0.9689 * x + 1.8758 * y + 0.0415 * z),
        gamma(0.0557 * x - 0.2040 * y + 1.0570 * z),
    )
}

/// Inputs of a DeviceN space whose calculator is run on every corner and
/// middle of its tints (3 to this power runs).
pub(super) const MAX_CALCULATED_INPUTS: usize = 4;

/// Whether a Separation's or DeviceN's tint transform is a PostScript
/// calculator (type 4) that leaves the paper white at every tint: a spot
/// colour that never marks the page, text in which is not seen.
///
/// A calculator is not assumed to put ink on the page, nor taken to be
/// white: it is run only when it is a straight run of arithmetic (no
/// branches, see `calculator`), on the tints 0, 1/16, ... 1 (each
/// combination of 0, 1/2 and 1 for DeviceN); only when every run leaves
/// white is the colour taken to be no ink. Any other calculator (one that
/// cannot be run, or inks at some tint) is judged as any tint whose
/// function is not told: ink unless the tint is none.
pub(super) fn never_inks(
    document: &Document,
    alternate: Option<&Object>,
    function: Option<&Object>,
    inputs: usize,
    depth: usize,
) -> bool {
    let (Some(alternate), Some(Object::Stream(function))) = (alternate, function) else {
        return false;
    };
    if function
        .dict
        .get(b"FunctionType")
        .and_then(Object::as_i64)
        .ok()
        != Some(4)
        || inputs == 0
        || inputs > MAX_CALCULATED_INPUTS
    {
        return false;
    }
    let base = Space::of(document, alternate, depth + 1);
    let count = base.count();
    if count == 0 || matches!(base, Space::Tint { .. } | Space::Indexed(_)) {
        return false;
    }
    let Some(program) = function
        .decompressed_content_with_limit(4096)
        .ok()
        .and_then(|p| calculator::parse(&p))
    else {
        return false;
    };
    let steps: Vec<f32> = if inputs == 1 {
        (0..=16).map(|i| i as f32 / 16.0).collect()
    } else {
        vec![0.0, 0.5, 1.0]
    };
    let runs = steps.len().pow(inputs as u32);
    (0..runs).all(|mut n| {
        let tints: Vec<f32> = (0..inputs)
            .map(|_| {
                let t = steps[n % steps.len()];
                n /= steps.len();
                t
            })
            .collect();
        calculator::run(&program, &tints)
            .is_some_and(|out| out.len() == count && base.is_white(&out))
    })
}

/// A Separation's tint transform when it is an exponential function
/// (type 2) into a device space.
pub(super) fn exponential(
    document: &Document,
    alternate: &Object,
    function: &Object,
    depth: usize,
) -> Option<Exponential> {
    let base = match Space::of(document, alternate, depth + 1) {
        Space::Gray => Device::Gray,
        Space::Rgb => Device::Rgb,
        Space::Cmyk | Space::IccCmyk => Device::Cmyk,
        Space::Lab => Device::Lab,
        _ => return None,
    };
    let function = match function {
        Object::Stream(s) => &s.dict,
        other => other.as_dict().ok()?,
    };
    if function.get(b"FunctionType").and_then(Object::as_i64).ok() != Some(2) {
        return None;
    }
    let count = base.space().count();
    let values = |key: &[u8], default: f32| -> Option<[f32; 4]> {
        let mut out = [default; 4];
        if let Ok(array) = function.get(key) {
            let array = deref(document, array).as_array().ok()?;
            if array.len() != count {
                return None;
            }
            for (o, v) in out.iter_mut().zip(array) {
                *o = number(deref(document, v));
            }
        }
        Some(out)
    };
    Some(Exponential {
        c0: values(b"C0", 0.0)?,
        c1: values(b"C1", 1.0)?,
        exponent: function
            .get(b"N")
            .ok()
            .map_or(1.0, |n| number(deref(document, n))),
        count,
        base,
    })
}

/// `[/Indexed base hival lookup]`: which of its entries are white.
pub(super) fn indexed(document: &Document, array: &[Object], depth: usize) -> Space {
    let part = |i: usize| array.get(i).map(|o| deref(document, o));
    let Some(base) = part(1).map(|b| Space::of(document, b, depth + 1)) else {
        return Space::Unknown;
    };
    let count = base.count();
    let entries = part(2).map_or(0, |h| number(h).clamp(0.0, 255.0) as usize + 1);
    let table: Vec<u8> = match part(3) {
        Some(Object::String(bytes, _)) => bytes.clone(),
        Some(Object::Stream(stream)) => stream
            .decompressed_content_with_limit(256 * MAX_COMPONENTS)
            .unwrap_or_else(|_| stream.content.clone()),
        _ => return Space::Unknown,
    };
    if count == 0 {
        return Space::Unknown;
    }
    let mut white = [0u64; 4];
    for (i, entry) in table.chunks_exact(count).take(entries).enumerate() {
        let mut values = [0.0f32; 4];
        for (v, byte) in values.iter_mut().zip(entry) {
            *v = f32::from(*byte) / 255.0;
        }
        if base == Space::Lab {
            values[0] *= 100.0;
            values[1] = values[1] * 200.0 - 100.0;
            values[2] = values[2] * 200.0 - 100.0;
        }
        if base.is_white(&values[..count]) {
            white[i / 64] |= 1 << (i % 64);
        }
    }
    Space::Indexed(white)
}
