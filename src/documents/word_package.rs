//! A Word package's parts as the reader finds them: the main document
//! its content types and relationships name, and the custom XML parts
//! and core properties its content controls may be bound to.

use super::bound::{Stores, MAX_BOUND_PARTS};
use super::word_styles::MAX_STYLES;
use super::xml::{attribute, malformed, reader};
use super::{zipped, Budget, DocumentError};
use quick_xml::events::Event;

/// The XML parts the document's content controls may be bound to: its
/// custom XML parts (each by the store its properties part names) and
/// its core properties.
pub(super) fn bound_stores(
    bytes: &[u8],
    main: &str,
    budget: &Budget,
) -> Result<Stores, DocumentError> {
    let mut stores = Stores::default();
    for item in all_related(bytes, main, "/customXml", budget)?
        .into_iter()
        .take(MAX_BOUND_PARTS)
    {
        let Some(properties) = all_related(bytes, &item, "/customXmlProps", budget)?
            .into_iter()
            .next()
        else {
            continue;
        };
        let Some(properties) = zipped::read_optional_part(bytes, &properties, budget)? else {
            continue;
        };
        let store = attributes_of(&properties, "datastoreItem", &["itemID"], budget)?
            .into_iter()
            .find_map(|a| a.into_iter().next().flatten());
        if let (Some(store), Some(xml)) = (store, zipped::read_optional_part(bytes, &item, budget)?)
        {
            stores.insert(&store, xml);
        }
    }
    let core = all_related(bytes, "", "/core-properties", budget)?
        .into_iter()
        .next()
        .unwrap_or_else(|| "docProps/core.xml".to_string());
    if let Some(xml) = zipped::read_optional_part(bytes, &core, budget)? {
        stores.insert_core(xml);
    }
    Ok(stores)
}

/// Every part a part's relationships of one type (by how its name ends)
/// name; the package's own relationships for the part `""`.
pub(super) fn all_related(
    bytes: &[u8],
    part: &str,
    kind: &str,
    budget: &Budget,
) -> Result<Vec<String>, DocumentError> {
    let (folder, file) = part.rsplit_once('/').unwrap_or(("", part));
    let rels_part = in_folder(folder, &format!("_rels/{file}.rels"));
    let Some(rels) = zipped::read_optional_part(bytes, &rels_part, budget)? else {
        return Ok(Vec::new());
    };
    Ok(attributes_of(
        &rels,
        "Relationship",
        &["Type", "Target", "TargetMode"],
        budget,
    )?
    .into_iter()
    .filter(|a| {
        a[0].as_deref().is_some_and(|t| t.trim().ends_with(kind))
            && a[2].as_deref().map(str::trim) != Some("External")
    })
    .filter_map(|a| a[1].as_deref().map(|target| in_folder(folder, target)))
    .collect())
}

/// Each element named `element` in a part: the attributes wanted of it,
/// by local name.
pub(super) fn attributes_of(
    xml: &[u8],
    element: &str,
    wanted: &[&str],
    budget: &Budget,
) -> Result<Vec<Vec<Option<String>>>, DocumentError> {
    let mut found: Vec<Vec<Option<String>>> = Vec::new();
    let mut reader = reader(xml)?;
    loop {
        match reader.read_event().map_err(malformed)? {
            Event::Eof => break,
            Event::DocType(_) => return Err(DocumentError::Dtd),
            Event::Start(e) | Event::Empty(e)
                if e.local_name().as_ref() == element && found.len() < MAX_STYLES =>
            {
                found.push(wanted.iter().map(|a| attribute(&e, a)).collect());
            }
            _ => {}
        }
        budget.check_time()?;
    }
    Ok(found)
}

/// A part's name from a relationship's target: relative to the folder of
/// the part whose relationship it is, or from the package's root.
pub(super) fn in_folder(folder: &str, target: &str) -> String {
    let target = target.trim();
    let (base, target) = match target.strip_prefix('/') {
        Some(from_root) => ("", from_root),
        None => (folder, target),
    };
    let mut segments: Vec<&str> = Vec::new();
    for segment in base.split('/').chain(target.split('/')) {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            segment => segments.push(segment),
        }
    }
    segments.join("/")
}

/// The parts the main document's relationships name, one for each type
/// (by how its name ends); none where it has no such relationship.
pub(super) fn related_parts<const N: usize>(
    bytes: &[u8],
    main: &str,
    kinds: [&str; N],
    budget: &Budget,
) -> Result<[Option<String>; N], DocumentError> {
    let (folder, file) = main.rsplit_once('/').unwrap_or(("", main));
    let rels_part = in_folder(folder, &format!("_rels/{file}.rels"));
    let Some(rels) = zipped::read_optional_part(bytes, &rels_part, budget)? else {
        return Ok(std::array::from_fn(|_| None));
    };
    let relationships = attributes_of(
        &rels,
        "Relationship",
        &["Type", "Target", "TargetMode"],
        budget,
    )?;
    Ok(kinds.map(|kind| {
        relationships
            .iter()
            .find(|a| {
                a[0].as_deref().is_some_and(|t| t.trim().ends_with(kind))
                    && a[2].as_deref().map(str::trim) != Some("External")
            })
            .and_then(|a| a[1].as_deref().map(|target| in_folder(folder, target)))
    }))
}

/// The main document part, as Word finds it: the target of the package's
/// `officeDocument` relationship (`_rels/.rels`), which its content types
/// must declare as the main document if they declare one. A package whose
/// parts say two different things is damaged or forged: which one a
/// program shows is its own choice, so it is refused. A package without
/// relationships is read from `word/document.xml`.
pub(super) fn main_part(bytes: &[u8], budget: &Budget) -> Result<String, DocumentError> {
    const DEFAULT: &str = "word/document.xml";
    let part_name = |name: &str| {
        name.trim()
            .trim_start_matches("./")
            .trim_start_matches('/')
            .to_string()
    };
    let damaged = |why: &str| DocumentError::Malformed(format!("its package is damaged ({why})"));
    let Some(rels) = zipped::read_optional_part(bytes, "_rels/.rels", budget)? else {
        return Ok(DEFAULT.to_string());
    };
    let targets: Vec<String> = attributes_of(&rels, "Relationship", &["Type", "Target"], budget)?
        .into_iter()
        .filter(|a| {
            a[0].as_deref()
                .is_some_and(|t| t.trim().ends_with("/officeDocument"))
        })
        .filter_map(|a| a[1].as_deref().map(part_name))
        .collect();
    let main = match targets.as_slice() {
        [] => return Ok(DEFAULT.to_string()),
        [one] => one.clone(),
        _ => return Err(damaged("it names two main documents")),
    };
    if let Some(types) = zipped::read_optional_part(bytes, "[Content_Types].xml", budget)? {
        let declared: Vec<String> =
            attributes_of(&types, "Override", &["PartName", "ContentType"], budget)?
                .into_iter()
                .filter(|a| {
                    a[1].as_deref()
                        .is_some_and(|t| t.trim().ends_with(".main+xml"))
                })
                .filter_map(|a| a[0].as_deref().map(part_name))
                .collect();
        if !declared.is_empty() && declared.iter().any(|d| !d.eq_ignore_ascii_case(&main)) {
            return Err(damaged(
                "its main document is not the one its content types declare",
            ));
        }
    }
    Ok(main)
}
