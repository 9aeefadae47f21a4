//! Word's data-bound content controls (`w:dataBinding`): the text Word
//! shows in one is the value at its XPath in the XML part it is bound to
//! (a custom XML part, or the document's core properties), put there
//! again whenever the document opens, whatever the document's own copy
//! says. The bound XML is never read as the form's text: it is only
//! compared with the copy, and a control whose copy says something else
//! than what Word would show is an answer that cannot be settled, as is
//! one whose XPath is not one followed here, and one wrapping whole
//! paragraphs (whose copy is never the answer).

use super::xml::{attribute, next_event, reader, Namespaces};
use super::{Budget, DocumentError};
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;

/// The store Word gives the document's core properties.
const CORE_PROPERTIES: &str = "{6c3c8bc8-f283-45ae-878a-bab7291924a1}";
/// Steps of an XPath Word writes: a handful.
const MAX_STEPS: usize = 32;
/// Bound parts read: Word writes a few.
pub(super) const MAX_BOUND_PARTS: usize = 32;
/// What the bound parts kept may take together: Word's are a few
/// kilobytes. Past it, a part is not kept, and what is bound to it
/// cannot be checked.
const MAX_BOUND_BYTES: usize = 4 * 1024 * 1024;

/// A control's binding: the store (`w:storeItemID`), the XPath
/// (`w:xpath`) and the prefixes it uses (`w:prefixMappings`).
#[derive(Clone, Debug, Default)]
pub(super) struct Binding {
    store: String,
    xpath: String,
    prefixes: Vec<(String, String)>,
}

impl Binding {
    pub fn read(e: &BytesStart<'_>) -> Option<Binding> {
        let xpath = attribute(e, "xpath")?;
        let store = attribute(e, "storeItemID").unwrap_or_default();
        let mappings = attribute(e, "prefixMappings").unwrap_or_default();
        let prefixes = mappings
            .split_whitespace()
            .filter_map(|m| m.strip_prefix("xmlns:"))
            .filter_map(|m| m.split_once('='))
            .map(|(prefix, uri)| {
                (
                    prefix.to_string(),
                    uri.trim_matches(|c| c == '\'' || c == '"').to_string(),
                )
            })
            .take(MAX_STEPS)
            .collect();
        Some(Binding {
            store: store.trim().to_ascii_lowercase(),
            xpath,
            prefixes,
        })
    }
}

/// The XML parts controls may be bound to, by store.
#[derive(Default)]
pub(super) struct Stores {
    parts: HashMap<String, Vec<u8>>,
    /// Stores whose parts were too many or too large to keep.
    unchecked: Vec<String>,
    bytes: usize,
}

/// What Word shows in a bound control's place.
pub(super) enum Shown {
    /// Its copy in the document: the part or the path is not there.
    Copy,
    /// The value at the path.
    Value(String),
    /// The part was too large to check, or the path is not one
    /// followed here: what Word shows is not known.
    Unknown,
}

/// One step of a path: an element by namespace and name, the `n`th of
/// its kind (from 1); or, last, an attribute.
enum Step {
    Element {
        namespace: Option<String>,
        local: String,
        nth: usize,
    },
    Attribute(String),
}

impl Stores {
    /// A custom XML part (its bytes) and the store its properties name.
    pub fn insert(&mut self, store: &str, xml: Vec<u8>) {
        let store = store.trim().to_ascii_lowercase();
        if self.parts.len() < MAX_BOUND_PARTS && self.bytes + xml.len() <= MAX_BOUND_BYTES {
            self.bytes += xml.len();
            self.parts.insert(store, xml);
        } else if self.unchecked.len() < MAX_BOUND_PARTS {
            self.unchecked.push(store);
        }
    }

    /// The document's core properties (`docProps/core.xml`).
    pub fn insert_core(&mut self, xml: Vec<u8>) {
        self.insert(CORE_PROPERTIES, xml);
    }

    /// The text Word would show for a binding: the copy when its part
    /// or the element its path names cannot be found (as Word then
    /// shows); not known when the path is not one followed here.
    pub fn shown(&self, binding: &Binding, budget: &Budget) -> Result<Shown, DocumentError> {
        if self.unchecked.contains(&binding.store) {
            return Ok(Shown::Unknown);
        }
        let Some(xml) = self.parts.get(&binding.store) else {
            return Ok(Shown::Copy);
        };
        let Some(steps) = steps(binding) else {
            return Ok(Shown::Unknown);
        };
        Ok(find(xml, &steps, budget)?.map_or(Shown::Copy, Shown::Value))
    }
}

/// `/ns0:root[1]/ns0:Consent[1]`, `/ns1:coreProperties[1]/ns0:title[1]`,
/// `/a/@b`: nothing else is followed (no `//`, `*`, functions, other
/// predicates, spaces, a position under 1 or a prefix not mapped).
fn steps(binding: &Binding) -> Option<Vec<Step>> {
    let namespace = |prefix: Option<&str>| match prefix {
        None => Some(None),
        Some(prefix) => binding
            .prefixes
            .iter()
            .find(|(p, _)| p == prefix)
            .map(|(_, uri)| Some(uri.clone())),
    };
    let mut steps = Vec::new();
    for step in binding.xpath.trim().strip_prefix('/')?.split('/') {
        // An attribute is the last step.
        if steps.len() >= MAX_STEPS || matches!(steps.last(), Some(Step::Attribute(_))) {
            return None;
        }
        if let Some(name) = step.strip_prefix('@') {
            let local = name.rsplit(':').next().unwrap_or(name);
            if !is_name(local) || name.split(':').count() > 2 || !name.split(':').all(is_name) {
                return None;
            }
            steps.push(Step::Attribute(local.to_string()));
            continue;
        }
        let (name, nth) = match step.split_once('[') {
            Some((name, rest)) => (
                name,
                rest.strip_suffix(']')?
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| n > 0)?,
            ),
            None => (step, 1),
        };
        let (prefix, local) = match name.split_once(':') {
            Some((prefix, local)) => (Some(prefix), local),
            None => (None, name),
        };
        if !is_name(local) || !prefix.is_none_or(is_name) {
            return None;
        }
        steps.push(Step::Element {
            namespace: namespace(prefix)?,
            local: local.to_string(),
            nth,
        });
    }
    Some(steps)
}

/// An XML name without a prefix: letters, digits, `_`, `-` and `.`, not
/// starting with a digit, `-` or `.`.
fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// The text (or attribute) at `steps` in `xml`.
fn find(xml: &[u8], steps: &[Step], budget: &Budget) -> Result<Option<String>, DocumentError> {
    let mut reader = reader(xml)?;
    let mut namespaces = Namespaces::default();
    let mut events = 0u32;
    // How deep the reading is, how many steps are matched (the matched
    // elements are the open ones at depths 1..=matched), and how many of
    // the next step's kind were met under the last matched.
    let mut depth = 0usize;
    let mut matched = 0usize;
    let mut seen = 0usize;
    let mut value: Option<String> = None;
    loop {
        let event = next_event(&mut reader, &mut events, budget)?;
        if let Event::Start(e) | Event::Empty(e) = &event {
            namespaces.enter(e)?;
        }
        let leaves = matches!(event, Event::End(_) | Event::Empty(_));
        match &event {
            Event::Eof => return Ok(None),
            Event::Start(e) | Event::Empty(e) => {
                let opens = matches!(event, Event::Start(_));
                if value.is_none() && depth == matched {
                    if let Some(Step::Element {
                        namespace,
                        local,
                        nth,
                    }) = steps.get(matched)
                    {
                        let (bound, name) = namespaces.element(e.name());
                        if name == local && bound == namespace.as_deref() {
                            seen += 1;
                            if seen == *nth {
                                matched += 1;
                                seen = 0;
                                match steps.get(matched) {
                                    None if opens => value = Some(String::new()),
                                    None => return Ok(Some(String::new())),
                                    Some(Step::Attribute(name)) => {
                                        return Ok(Some(attribute(e, name).unwrap_or_default()))
                                    }
                                    Some(_) if !opens => return Ok(None),
                                    Some(_) => {}
                                }
                            }
                        }
                    }
                }
                if opens {
                    depth += 1;
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth < matched {
                    // The element matched last (or one above it) ends.
                    return Ok(value);
                }
            }
            Event::Text(t) => {
                if let Some(value) = value.as_mut() {
                    value.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(value) = value.as_mut() {
                    value.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let (Some(value), Some(c)) = (value.as_mut(), super::xml::reference(r)) {
                    value.push(c);
                }
            }
            _ => {}
        }
        if leaves {
            namespaces.leave();
        }
    }
}

/// Two texts that read the same once white space is collapsed.
pub(super) fn same_text(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}
