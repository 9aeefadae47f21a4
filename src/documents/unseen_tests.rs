//! Text a reader of the page does not see, written in the ways Word and
//! LibreOffice documents can write it: none of it is read, and the text
//! beside it that shows still is.

use super::write::zip_parts;
use super::*;

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const RELATIONSHIP: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// A Word package of `body`, with the styles, theme and settings parts
/// given (the theme and settings named by the document's relationships).
fn word(body: &str, styles: Option<&str>, theme: Option<&str>, settings: Option<&str>) -> String {
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>"#
    );
    let mut parts: Vec<(String, String)> = vec![
        (
            "[Content_Types].xml".into(),
            r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#.into(),
        ),
        (
            "_rels/.rels".into(),
            format!(
                r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{RELATIONSHIP}/officeDocument" Target="word/document.xml"/></Relationships>"#
            ),
        ),
        ("word/document.xml".into(), document),
        (
            "word/_rels/document.xml.rels".into(),
            format!(
                r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{RELATIONSHIP}/theme" Target="theme/theme1.xml"/><Relationship Id="rId2" Type="{RELATIONSHIP}/settings" Target="/word/settings.xml"/></Relationships>"#
            ),
        ),
    ];
    if let Some(styles) = styles {
        parts.push((
            "word/styles.xml".into(),
            format!(r#"<w:styles xmlns:w="{W}">{styles}</w:styles>"#),
        ));
    }
    if let Some(theme) = theme {
        parts.push((
            "word/theme/theme1.xml".into(),
            format!(
                r#"<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="T"><a:themeElements><a:clrScheme name="T">{theme}</a:clrScheme></a:themeElements><a:extraClrSchemeLst><a:extraClrScheme><a:clrScheme name="Other"><a:dk1><a:srgbClr val="FFFFFF"/></a:dk1></a:clrScheme></a:extraClrScheme></a:extraClrSchemeLst></a:theme>"#
            ),
        ));
    }
    if let Some(settings) = settings {
        parts.push((
            "word/settings.xml".into(),
            format!(r#"<w:settings xmlns:w="{W}">{settings}</w:settings>"#),
        ));
    }
    let parts: Vec<(&str, &[u8])> = parts
        .iter()
        .map(|(name, content)| (name.as_str(), content.as_bytes()))
        .collect();
    let bytes = zip_parts(&parts).expect("zip");
    read_document(DocumentKind::Docx, &bytes, &LIMITS).expect("read")
}

/// A paragraph of one run with the given run properties.
fn run(properties: &str, text: &str) -> String {
    format!(r#"<w:p><w:r><w:rPr>{properties}</w:rPr><w:t>{text}</w:t></w:r></w:p>"#)
}

/// `text` reads with every `shown` line and none of the `unseen` ones.
fn reads_only(text: &str, shown: &[&str], unseen: &[&str]) {
    for line in shown {
        assert!(text.contains(line), "{line:?} is not read in {text:?}");
    }
    for line in unseen {
        assert!(!text.contains(line), "{line:?} is read in {text:?}");
    }
}

#[test]
fn word_theme_colours_are_the_themes_whatever_colour_is_spelt_beside_them() {
    let body = [
        // Office's own theme: background 1 is white, text 1 black.
        run(
            r#"<w:color w:val="000000" w:themeColor="background1"/>"#,
            "Unseen white by name",
        ),
        run(
            r#"<w:color w:val="auto" w:themeColor="background1"/>"#,
            "Unseen white though automatic",
        ),
        run(
            r#"<w:color w:val="FFFFFF" w:themeColor="text1"/>"#,
            "Shown black by name",
        ),
        // Text 1 lightened all the way is white.
        run(
            r#"<w:color w:val="000000" w:themeColor="text1" w:themeTint="00"/>"#,
            "Unseen tinted white",
        ),
        // Background 1 darkened to a quarter is dark grey.
        run(
            r#"<w:color w:val="FFFFFF" w:themeColor="background1" w:themeShade="40"/>"#,
            "Shown shaded dark",
        ),
        // White on a fill the theme makes black shows; black on one it
        // makes white does not.
        run(
            r#"<w:color w:val="FFFFFF"/><w:shd w:val="clear" w:color="auto" w:fill="FFFFFF" w:themeFill="text1"/>"#,
            "Shown white on a themed black fill",
        ),
        run(
            r#"<w:shd w:val="clear" w:color="auto" w:fill="000000" w:themeFill="background1"/><w:color w:val="FFFFFF"/>"#,
            "Unseen white on a themed white fill",
        ),
    ]
    .concat();
    let text = word(&body, None, None, None);
    reads_only(
        &text,
        &[
            "Shown black by name",
            "Shown shaded dark",
            "Shown white on a themed black fill",
        ],
        &[
            "Unseen white by name",
            "Unseen white though automatic",
            "Unseen tinted white",
            "Unseen white on a themed white fill",
        ],
    );

    // The document's own theme: its first accent is white, and its
    // settings map text 1 to the light colour.
    let body = [
        run(
            r#"<w:color w:val="4472C4" w:themeColor="accent1"/>"#,
            "Unseen accent",
        ),
        run(
            r#"<w:color w:val="000000" w:themeColor="text1"/>"#,
            "Unseen text mapped light",
        ),
        run(
            r#"<w:color w:val="000000" w:themeColor="dark1"/>"#,
            "Shown dark",
        ),
    ]
    .concat();
    let theme = r#"<a:dk1><a:sysClr val="windowText" lastClr="000000"/></a:dk1><a:lt1><a:sysClr val="window" lastClr="FFFFFF"/></a:lt1><a:dk2><a:srgbClr val="44546A"/></a:dk2><a:lt2><a:srgbClr val="E7E6E6"/></a:lt2><a:accent1><a:srgbClr val="FFFFFF"/></a:accent1>"#;
    let settings =
        r#"<w:clrSchemeMapping w:bg1="light1" w:t1="light1" w:bg2="light2" w:t2="dark2"/>"#;
    let text = word(&body, None, Some(theme), Some(settings));
    reads_only(
        &text,
        &["Shown dark"],
        &["Unseen accent", "Unseen text mapped light"],
    );
}

#[test]
fn word_text_squeezed_to_a_line_or_condensed_onto_itself_is_unseen() {
    let body = [
        run(r#"<w:w w:val="1"/>"#, "Unseen one percent wide"),
        run(r#"<w:w w:val="5"/>"#, "Unseen five percent wide"),
        run(r#"<w:w w:val="90"/>"#, "Shown a little narrow"),
        run(r#"<w:w w:val="200"/>"#, "Shown wide"),
        run(
            r#"<w:sz w:val="20"/><w:spacing w:val="-200"/>"#,
            "Unseen condensed ten points",
        ),
        run(
            r#"<w:sz w:val="20"/><w:spacing w:val="-20"/>"#,
            "Shown condensed a point",
        ),
        run(r#"<w:sz w:val="3"/>"#, "Unseen at a point and a half"),
        run(r#"<w:sz w:val="4"/>"#, "Shown at two points"),
    ]
    .concat();
    let text = word(&body, None, None, None);
    reads_only(
        &text,
        &[
            "Shown a little narrow",
            "Shown wide",
            "Shown condensed a point",
            "Shown at two points",
        ],
        &[
            "Unseen one percent wide",
            "Unseen five percent wide",
            "Unseen condensed ten points",
            "Unseen at a point and a half",
        ],
    );
}

#[test]
fn word_default_styles_hide_text_naming_no_style() {
    // Normal, the default paragraph style, hides; a paragraph naming a
    // style the document lacks has Normal too. The default character
    // style whitens; a run with a style of its own that shows is read.
    let styles = r#"
      <w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val="22"/></w:rPr></w:rPrDefault></w:docDefaults>
      <w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:rPr><w:vanish/></w:rPr></w:style>
      <w:style w:type="paragraph" w:styleId="Body"><w:basedOn w:val="Normal"/><w:rPr><w:vanish w:val="0"/></w:rPr></w:style>
      <w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:rPr><w:color w:val="FFFFFF"/></w:rPr></w:style>
      <w:style w:type="character" w:styleId="Ink"><w:rPr><w:color w:val="000000"/></w:rPr></w:style>
    "#;
    let body = r#"
      <w:p><w:r><w:t>Unseen in Normal</w:t></w:r></w:p>
      <w:p><w:pPr><w:pStyle w:val="Missing"/></w:pPr><w:r><w:t>Unseen in a missing style</w:t></w:r></w:p>
      <w:p><w:pPr><w:pStyle w:val="Body"/></w:pPr><w:r><w:t>Unseen white by default</w:t></w:r></w:p>
      <w:p><w:pPr><w:pStyle w:val="Body"/></w:pPr><w:r><w:rPr><w:rStyle w:val="Ink"/></w:rPr><w:t>Shown in ink</w:t></w:r></w:p>
    "#;
    let text = word(body, Some(styles), None, None);
    reads_only(
        &text,
        &["Shown in ink"],
        &[
            "Unseen in Normal",
            "Unseen in a missing style",
            "Unseen white by default",
        ],
    );

    // The document's defaults alone.
    let styles =
        r#"<w:docDefaults><w:rPrDefault><w:rPr><w:vanish/></w:rPr></w:rPrDefault></w:docDefaults>"#;
    let body = [
        run("", "Unseen by the defaults"),
        run(r#"<w:vanish w:val="0"/>"#, "Shown despite them"),
    ]
    .concat();
    let text = word(&body, Some(styles), None, None);
    reads_only(&text, &["Shown despite them"], &["Unseen by the defaults"]);
}

#[test]
fn word_table_styles_hide_the_text_of_their_tables() {
    // A table style whitening its text, whose first row is shaded navy;
    // the default table style hiding the text of tables naming none.
    let styles = r#"
      <w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:rPr><w:vanish/></w:rPr></w:style>
      <w:style w:type="table" w:styleId="Ghost"><w:rPr><w:color w:val="FFFFFF" w:themeColor="background1"/></w:rPr>
        <w:tblStylePr w:type="firstRow"><w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="1F3864"/></w:tcPr></w:tblStylePr>
        <w:tblStylePr w:type="lastRow"><w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="1F3864"/></w:tcPr></w:tblStylePr>
      </w:style>
      <w:style w:type="table" w:styleId="Speck"><w:basedOn w:val="TableNormal"/><w:rPr><w:vanish w:val="0"/><w:sz w:val="2"/></w:rPr></w:style>
    "#;
    let cell = |text: &str| format!("<w:tc><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>");
    let row = |a: &str, b: &str| format!("<w:tr>{}{}</w:tr>", cell(a), cell(b));
    let body = format!(
        r#"<w:tbl><w:tblPr><w:tblStyle w:val="Ghost"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>{}{}</w:tbl>
        <w:tbl><w:tblPr/>{}</w:tbl>
        <w:tbl><w:tblPr><w:tblStyle w:val="Speck"/></w:tblPr>{}</w:tbl>
        <w:p><w:r><w:t>Shown outside the tables</w:t></w:r></w:p>"#,
        row("Shown header", "Shown on navy"),
        row("Unseen white cell", "Unseen white answer"),
        row("Unseen by the default", "Unseen default answer"),
        row("Unseen speck", "Unseen speck answer"),
    );
    let text = word(&body, Some(styles), None, None);
    reads_only(
        &text,
        &["Shown header", "Shown on navy", "Shown outside the tables"],
        &[
            "Unseen white cell",
            "Unseen white answer",
            "Unseen by the default",
            "Unseen default answer",
            "Unseen speck",
        ],
    );
}

#[test]
fn word_alternative_content_word_does_not_understand_falls_back() {
    // A Choice requiring a namespace Word knows is shown; one requiring
    // a namespace it does not know is passed over for the Fallback.
    let alternatives = |requires: &str, choice: &str, fallback: &str| {
        format!(
            r#"<w:p><w:r><mc:AlternateContent><mc:Choice Requires="{requires}"><w:r><w:t>{choice}</w:t></w:r></mc:Choice><mc:Fallback><w:r><w:t>{fallback}</w:t></w:r></mc:Fallback></mc:AlternateContent></w:r></w:p>"#
        )
    };
    let xml = format!(
        r#"<w:document xmlns:w="{W}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" xmlns:x99="urn:example:unknown" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"><w:body>{}{}{}{}</w:body></w:document>"#,
        alternatives("wps", "Shown choice", "Unseen fallback"),
        alternatives("x99", "Unseen unknown choice", "Shown fallback"),
        alternatives(
            "w14 x99",
            "Unseen half known choice",
            "Shown second fallback"
        ),
        alternatives("nowhere", "Unseen unbound choice", "Shown third fallback"),
    );
    let text = docx::read_document_xml(&xml).expect("read");
    reads_only(
        &text,
        &[
            "Shown choice",
            "Shown fallback",
            "Shown second fallback",
            "Shown third fallback",
        ],
        &[
            "Unseen fallback",
            "Unseen unknown choice",
            "Unseen half known choice",
            "Unseen unbound choice",
        ],
    );
}

const ODF: &str = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0""#;

/// An OpenDocument's text: its automatic styles and its body.
fn odt_text(namespaces: &str, styles: &str, body: &str) -> String {
    let xml = format!(
        r#"<office:document-content {namespaces}><office:automatic-styles>{styles}</office:automatic-styles><office:body><office:text>{body}</office:text></office:body></office:document-content>"#
    );
    odt::read_content_xml(&xml).expect("read")
}

#[test]
fn opendocument_names_are_known_by_namespace_not_prefix() {
    // The style namespace bound to `s`, the text one to `t` and `x`.
    let namespaces = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:s="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:t="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:x="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:f="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:other="urn:example:other""#;
    let styles = r##"
      <s:style s:name="Hide" s:family="text"><s:text-properties x:display="none"/></s:style>
      <s:style s:name="White" s:family="paragraph"><s:text-properties f:color="#ffffff"/></s:style>
      <s:style s:name="Decoy" s:family="text"><s:text-properties other:display="true" t:display="none"/></s:style>
    "##;
    let body = r#"
      <t:p>Shown: <t:span t:style-name="Hide">Unseen by a prefix of its own</t:span></t:p>
      <t:p t:style-name="White">Unseen white</t:p>
      <t:p><t:span t:style-name="Decoy">Unseen behind a decoy</t:span></t:p>
      <t:p xmlns:t="urn:example:not-opendocument">Unseen outside OpenDocument</t:p>
      <x:p>Shown by another prefix</x:p>
    "#;
    let text = odt_text(namespaces, styles, body);
    reads_only(
        &text,
        &["Shown:", "Shown by another prefix"],
        &[
            "Unseen by a prefix of its own",
            "Unseen white",
            "Unseen behind a decoy",
            "Unseen outside OpenDocument",
        ],
    );
}

#[test]
fn opendocument_sizes_in_any_unit_under_two_points_are_specks() {
    let size = |name: &str, size: &str| {
        format!(
            r#"<style:style style:name="{name}" style:family="text"><style:text-properties fo:font-size="{size}"/></style:style>"#
        )
    };
    let styles = [
        size("Mm", "0.5mm"),
        size("In", "0.02in"),
        size("Cm", "0.05cm"),
        size("Px", "1px"),
        size("Pc", "0.1pc"),
        size("Big", "5mm"),
        r#"<style:style style:name="Twelve" style:family="paragraph"><style:text-properties fo:font-size="12pt"/></style:style>"#.into(),
        size("Percent", "3%"),
        size("Half", "50%"),
        r#"<style:style style:name="Squeezed" style:family="text"><style:text-properties style:text-scale="5%"/></style:style>"#.into(),
        r#"<style:style style:name="Condensed" style:family="text"><style:text-properties fo:letter-spacing="-0.5cm"/></style:style>"#.into(),
    ]
    .concat();
    let span = |style: &str, text: &str| {
        format!(r#"<text:p><text:span text:style-name="{style}">{text}</text:span></text:p>"#)
    };
    let body = [
        span("Mm", "Unseen half a millimetre"),
        span("In", "Unseen a fiftieth of an inch"),
        span("Cm", "Unseen half a millimetre in centimetres"),
        span("Px", "Unseen a pixel"),
        span("Pc", "Unseen a tenth of a pica"),
        span("Big", "Shown five millimetres"),
        span("Squeezed", "Unseen squeezed"),
        span("Condensed", "Unseen condensed"),
        r#"<text:p text:style-name="Twelve"><text:span text:style-name="Percent">Unseen three percent</text:span><text:span text:style-name="Half">Shown at six points</text:span></text:p>"#.into(),
    ]
    .concat();
    let text = odt_text(ODF, &styles, &body);
    reads_only(
        &text,
        &["Shown five millimetres", "Shown at six points"],
        &[
            "Unseen half a millimetre",
            "Unseen a fiftieth of an inch",
            "Unseen half a millimetre in centimetres",
            "Unseen a pixel",
            "Unseen a tenth of a pica",
            "Unseen squeezed",
            "Unseen condensed",
            "Unseen three percent",
        ],
    );
}

#[test]
fn opendocument_hidden_paragraphs_text_and_conditional_sections_are_not_read() {
    let body = r#"
      <text:p>Unseen before the field<text:hidden-paragraph text:condition="ooow:1" text:is-hidden="true"/>Unseen after it</text:p>
      <text:p><text:hidden-paragraph text:condition="ooow:Hide" text:is-hidden="false"/>Unseen on a condition</text:p>
      <text:p>Shown: <text:hidden-text text:condition="ooow:1" text:string-value="Unseen hidden text" text:is-hidden="true">Unseen hidden text</text:hidden-text>after</text:p>
      <text:section text:name="A" text:display="condition" text:condition="ooow:1"><text:p>Unseen in a conditional section</text:p></text:section>
      <text:section text:name="B" text:display="none"><text:p>Unseen in a hidden section</text:p></text:section>
      <text:section text:name="C" text:display="true"><text:p>Shown in a section</text:p></text:section>
      <text:p>Shown at the end</text:p>
    "#;
    let text = odt_text(ODF, "", body);
    reads_only(
        &text,
        &["Shown: after", "Shown in a section", "Shown at the end"],
        &[
            "Unseen before the field",
            "Unseen after it",
            "Unseen on a condition",
            "Unseen hidden text",
            "Unseen in a conditional section",
            "Unseen in a hidden section",
        ],
    );
}

#[test]
fn opendocument_styles_are_known_by_family_and_defaults_apply() {
    // A text style and a paragraph style of one name: a span has the
    // text style's look. The paragraph family's default style whitens
    // every paragraph that does not say otherwise.
    let styles = r##"
      <style:default-style style:family="paragraph"><style:text-properties fo:color="#ffffff"/></style:default-style>
      <style:style style:name="S" style:family="text"><style:text-properties text:display="none"/></style:style>
      <style:style style:name="S" style:family="paragraph"><style:text-properties fo:color="#000000"/></style:style>
    "##;
    let body = r#"
      <text:p>Unseen white by default</text:p>
      <text:p text:style-name="S">Shown in black<text:span text:style-name="S">Unseen in the text style</text:span></text:p>
    "#;
    let text = odt_text(ODF, styles, body);
    reads_only(
        &text,
        &["Shown in black"],
        &["Unseen white by default", "Unseen in the text style"],
    );
}

#[test]
fn word_shading_patterns_are_seen_as_their_colour_mixed_with_the_fill() {
    let shd = |pattern: &str, colour: &str, fill: &str| {
        format!(r#"<w:shd w:val="{pattern}" w:color="{colour}" w:fill="{fill}"/>"#)
    };
    let white = r#"<w:color w:val="FFFFFF"/>"#;
    let black = r#"<w:color w:val="000000"/>"#;
    let body = [
        // Half black over a white fill is mid grey: white and black both
        // show on it.
        run(
            &format!("{white}{}", shd("pct50", "auto", "FFFFFF")),
            "Shown white on half black",
        ),
        run(
            &format!("{black}{}", shd("pct50", "000000", "FFFFFF")),
            "Shown black on half black",
        ),
        run(
            &format!("{white}{}", shd("solid", "auto", "FFFFFF")),
            "Shown white on solid black",
        ),
        run(
            &format!("{white}{}", shd("diagStripe", "1F3864", "auto")),
            "Shown white on navy stripes",
        ),
        run(
            &format!("{white}{}", shd("pct60", "000000", "auto")),
            "Shown white on sixty percent",
        ),
        // A pattern that barely covers the fill leaves its colour.
        run(
            &format!("{white}{}", shd("pct5", "000000", "FFFFFF")),
            "Unseen white on five percent",
        ),
        run(
            &format!("{black}{}", shd("pct95", "000000", "FFFFFF")),
            "Unseen black on ninety-five percent",
        ),
        run(
            &format!("{white}{}", shd("clear", "000000", "FFFFFF")),
            "Unseen white on a clear pattern",
        ),
    ]
    .concat();
    // A table cell shaded with a pattern, white text in it.
    let table = format!(
        r#"<w:tbl><w:tr><w:tc><w:tcPr>{}</w:tcPr><w:p><w:r><w:rPr>{white}</w:rPr><w:t>Shown in a patterned cell</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#,
        shd("pct50", "auto", "auto")
    );
    let text = word(&format!("{body}{table}"), None, None, None);
    reads_only(
        &text,
        &[
            "Shown white on half black",
            "Shown black on half black",
            "Shown white on solid black",
            "Shown white on navy stripes",
            "Shown white on sixty percent",
            "Shown in a patterned cell",
        ],
        &[
            "Unseen white on five percent",
            "Unseen black on ninety-five percent",
            "Unseen white on a clear pattern",
        ],
    );
}

#[test]
fn opendocument_tables_and_rows_paint_what_their_cells_do_not() {
    // White text in cells of a navy table, of a navy row, and of a
    // transparent cell in a navy table shows; in a cell painted white
    // again it does not, nor in a table that paints nothing.
    let styles = r##"
      <style:style style:name="Navy" style:family="table"><style:table-properties fo:background-color="#1f3864"/></style:style>
      <style:style style:name="NavyRow" style:family="table-row"><style:table-row-properties fo:background-color="#1f3864"/></style:style>
      <style:style style:name="Clear" style:family="table-cell"><style:table-cell-properties fo:background-color="transparent"/></style:style>
      <style:style style:name="WhiteCell" style:family="table-cell"><style:table-cell-properties fo:background-color="#ffffff"/></style:style>
      <style:style style:name="White" style:family="paragraph"><style:text-properties fo:color="#ffffff"/></style:style>
    "##;
    let cell = |style: &str, text: &str| {
        format!(
            r#"<table:table-cell{style}><text:p text:style-name="White">{text}</text:p></table:table-cell>"#
        )
    };
    let body = format!(
        r#"<table:table table:style-name="Navy"><table:table-row>{}{}{}</table:table-row></table:table>
        <table:table><table:table-row table:style-name="NavyRow">{}</table:table-row><table:table-row>{}</table:table-row></table:table>"#,
        cell("", "Shown in a navy table"),
        cell(r#" table:style-name="Clear""#, "Shown in a clear cell"),
        cell(r#" table:style-name="WhiteCell""#, "Unseen in a white cell"),
        cell("", "Shown in a navy row"),
        cell("", "Unseen in a plain row"),
    );
    let text = odt_text(ODF, styles, &body);
    reads_only(
        &text,
        &[
            "Shown in a navy table",
            "Shown in a clear cell",
            "Shown in a navy row",
        ],
        &["Unseen in a white cell", "Unseen in a plain row"],
    );
}

#[test]
fn text_judged_unseen_is_counted_and_kept_apart_a_line_for_each_paragraph_or_cell() {
    let white = r#"<w:color w:val="FFFFFF"/>"#;
    let cell = |text: &str| {
        format!(r#"<w:tc><w:p><w:r><w:rPr>{white}</w:rPr><w:t>{text}</w:t></w:r></w:p></w:tc>"#)
    };
    let body = format!(
        r#"{}<w:p><w:r><w:t xml:space="preserve">Shown </w:t></w:r><w:r><w:rPr>{white}</w:rPr><w:t>unseen words</w:t></w:r></w:p><w:tbl><w:tr>{}{}</w:tr></w:tbl>"#,
        run("", "Shown line"),
        cell("Full name"),
        cell("Sam Example"),
    );
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>"#
    );
    let bytes = zip_parts(&[("word/document.xml", document.as_bytes())]).expect("zip");
    let read = read_document_text(DocumentKind::Docx, &bytes, None, &LIMITS).expect("read");
    assert_eq!(read.text.trim(), "Shown line\nShown");
    assert_eq!(read.unseen.text, "unseen words\nFull name\nSam Example\n");
    assert_eq!(read.unseen.chars, "unseenwordsFullnameSamExample".len());

    let xml = format!(
        r##"<office:document-content {ODF}><office:automatic-styles><style:style style:name="White" style:family="text"><style:text-properties fo:color="#ffffff"/></style:style></office:automatic-styles><office:body><office:text><text:p>Shown <text:span text:style-name="White">Date of birth</text:span></text:p></office:text></office:body></office:document-content>"##
    );
    let bytes = zip_parts(&[("content.xml", xml.as_bytes())]).expect("zip");
    let read = read_document_text(DocumentKind::Odt, &bytes, None, &LIMITS).expect("read");
    assert_eq!(read.text.trim(), "Shown");
    assert_eq!(read.unseen.text, "Date of birth\n");
    assert_eq!(read.unseen.chars, 11);
}

/// A Word document's text, its root binding the drawing, VML and Word
/// 2010 namespaces beside Word's own.
fn word_drawn(body: &str) -> String {
    let xml = format!(
        r#"<w:document xmlns:w="{W}" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"><w:body>{body}</w:body></w:document>"#
    );
    docx::read_document_xml(&xml).expect("read")
}

#[test]
fn word_text_moved_off_the_page_or_into_a_speck_of_a_frame_or_row_is_unseen() {
    let paragraph = |properties: &str, text: &str| {
        format!(r#"<w:p><w:pPr>{properties}</w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#)
    };
    let row = |height: &str, text: &str| {
        format!(
            r#"<w:tbl><w:tr><w:trPr>{height}</w:trPr><w:tc><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#
        )
    };
    let body = [
        run(r#"<w:position w:val="-3000"/>"#, "Unseen lowered off the page"),
        run(r#"<w:position w:val="4000"/>"#, "Unseen raised off the page"),
        run(
            r#"<w:position w:val="6"/><w:vertAlign w:val="superscript"/>"#,
            "Shown raised a little",
        ),
        paragraph(
            r#"<w:framePr w:w="2000" w:h="300" w:hSpace="180" w:wrap="around" w:vAnchor="page" w:hAnchor="page" w:x="-30000" w:y="1000"/>"#,
            "Unseen in a frame left of the page",
        ),
        paragraph(
            r#"<w:framePr w:w="2000" w:vAnchor="page" w:hAnchor="page" w:x="1000" w:y="40000"/>"#,
            "Unseen in a frame below the page",
        ),
        paragraph(
            r#"<w:framePr w:w="2000" w:h="1" w:hRule="exact" w:hAnchor="page" w:x="1000" w:y="1000"/>"#,
            "Unseen in a frame a twip high",
        ),
        paragraph(
            r#"<w:framePr w:w="3000" w:h="600" w:hRule="atLeast" w:wrap="around" w:vAnchor="text" w:hAnchor="margin" w:x="200" w:y="100"/>"#,
            "Shown in an ordinary frame",
        ),
        paragraph(r#"<w:ind w:left="-30000"/>"#, "Unseen indented off the page"),
        paragraph(
            r#"<w:ind w:start="-20000" w:hanging="100"/>"#,
            "Unseen indented off by start",
        ),
        paragraph(r#"<w:ind w:left="-567" w:right="-567"/>"#, "Shown indented into the margin"),
        paragraph(
            r#"<w:ind w:left="-30000"/><w:jc w:val="right"/>"#,
            "Shown aligned right",
        ),
        row(r#"<w:trHeight w:val="1" w:hRule="exact"/>"#, "Unseen in a row a twip high"),
        row(r#"<w:trHeight w:val="20" w:hRule="exact"/>"#, "Unseen in a row of a point"),
        row(r#"<w:trHeight w:val="20"/>"#, "Shown in a row at least a point"),
        row(r#"<w:trHeight w:val="400" w:hRule="exact"/>"#, "Shown in an exact row"),
    ]
    .concat();
    let text = word(&body, None, None, None);
    reads_only(
        &text,
        &[
            "Shown raised a little",
            "Shown in an ordinary frame",
            "Shown indented into the margin",
            "Shown aligned right",
            "Shown in a row at least a point",
            "Shown in an exact row",
        ],
        &[
            "Unseen lowered off the page",
            "Unseen raised off the page",
            "Unseen in a frame left of the page",
            "Unseen in a frame below the page",
            "Unseen in a frame a twip high",
            "Unseen indented off the page",
            "Unseen indented off by start",
            "Unseen in a row a twip high",
            "Unseen in a row of a point",
        ],
    );
}

#[test]
fn word_text_filled_with_nothing_or_squeezed_to_fit_a_speck_is_unseen() {
    let fill = |fill: &str| format!("<w14:textFill>{fill}</w14:textFill>");
    let body = [
        run(&fill("<w14:noFill/>"), "Unseen with no fill"),
        run(
            &fill(r#"<w14:solidFill><w14:srgbClr w14:val="000000"><w14:alpha w14:val="100000"/></w14:srgbClr></w14:solidFill>"#),
            "Unseen wholly transparent",
        ),
        run(
            &format!(
                r#"<w:color w:val="000000"/>{}"#,
                fill(r#"<w14:solidFill><w14:srgbClr w14:val="FFFFFF"/></w14:solidFill>"#)
            ),
            "Unseen filled white",
        ),
        run(
            &fill(r#"<w14:solidFill><w14:srgbClr w14:val="000000"><w14:alpha w14:val="20000"/></w14:srgbClr></w14:solidFill>"#),
            "Shown a fifth transparent",
        ),
        run(
            r#"<w14:textOutline w14:w="9525"><w14:noFill/></w14:textOutline>"#,
            "Shown without an outline",
        ),
        run(
            r#"<w:fitText w:val="20" w:id="1"/>"#,
            "Unseen fitted into a twentieth of a point",
        ),
        run(r#"<w:fitText w:val="1800" w:id="2"/>"#, "Shown fitted to an inch"),
    ]
    .concat();
    let text = word_drawn(&body);
    reads_only(
        &text,
        &[
            "Shown a fifth transparent",
            "Shown without an outline",
            "Shown fitted to an inch",
        ],
        &[
            "Unseen with no fill",
            "Unseen wholly transparent",
            "Unseen filled white",
            "Unseen fitted into a twentieth of a point",
        ],
    );
}

#[test]
fn word_text_boxes_hidden_or_placed_off_the_page_are_unseen() {
    let box_text = |text: &str| {
        format!(r#"<w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>"#)
    };
    let anchor = |h: i64, v: i64, cx: i64, cy: i64, hidden: &str, text: &str| {
        format!(
            r#"<w:p><w:r><w:drawing><wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="1" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="page"><wp:posOffset>{h}</wp:posOffset></wp:positionH><wp:positionV relativeFrom="page"><wp:posOffset>{v}</wp:posOffset></wp:positionV><wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/><wp:docPr id="1" name="Text Box 1"{hidden}/><a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp><wps:spPr/><wps:txbx>{}</wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></w:r></w:p>"#,
            box_text(text)
        )
    };
    let vml = |style: &str, text: &str| {
        format!(
            r#"<w:p><w:r><w:pict><v:shape id="b" type="\#_x0000_t202" style="{style}"><v:textbox>{}</v:textbox></v:shape></w:pict></w:r></w:p>"#,
            box_text(text)
        )
    };
    let body = [
        anchor(914400, 914400, 1828800, 457200, "", "Shown in a text box"),
        anchor(-20000000, 914400, 1828800, 457200, "", "Unseen in a box left of the page"),
        anchor(914400, 30000000, 1828800, 457200, "", "Unseen in a box below the page"),
        anchor(914400, 914400, 1828800, 457200, r#" hidden="1""#, "Unseen in a hidden box"),
        anchor(914400, 914400, 1828800, 100, "", "Unseen in a box a speck high"),
        vml(
            "position:absolute;margin-left:36pt;margin-top:20pt;width:150pt;height:40pt;z-index:1",
            "Shown in a VML box",
        ),
        vml(
            "position:absolute;margin-left:36pt;margin-top:20pt;width:150pt;height:1pt;mso-fit-shape-to-text:t",
            "Shown in a VML box that grows",
        ),
        vml(
            "position:absolute;margin-left:36pt;margin-top:20pt;width:150pt;height:40pt;visibility:hidden",
            "Unseen in a hidden VML box",
        ),
        vml(
            "position:absolute;margin-left:-2000pt;margin-top:20pt;width:150pt;height:40pt",
            "Unseen in a VML box off the page",
        ),
        vml(
            "position:absolute;margin-left:36pt;margin-top:20in;width:150pt;height:40pt",
            "Unseen in a VML box far below",
        ),
        vml(
            "position:absolute;margin-left:36pt;margin-top:20pt;width:0.1pt;height:40pt",
            "Unseen in a VML box a speck wide",
        ),
    ]
    .concat();
    let text = word_drawn(&body);
    reads_only(
        &text,
        &[
            "Shown in a text box",
            "Shown in a VML box",
            "Shown in a VML box that grows",
        ],
        &[
            "Unseen in a box left of the page",
            "Unseen in a box below the page",
            "Unseen in a hidden box",
            "Unseen in a box a speck high",
            "Unseen in a hidden VML box",
            "Unseen in a VML box off the page",
            "Unseen in a VML box far below",
            "Unseen in a VML box a speck wide",
        ],
    );
}

#[test]
fn opendocument_frames_hidden_off_the_page_or_specks_and_see_through_text_are_unseen() {
    let namespaces = format!(
        r#"{ODF} xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" xmlns:loext="urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0""#
    );
    let styles = r#"
      <style:style style:name="Clear" style:family="text"><style:text-properties loext:opacity="0%"/></style:style>
      <style:style style:name="Faint" style:family="text"><style:text-properties style:text-opacity="5%"/></style:style>
      <style:style style:name="Half" style:family="text"><style:text-properties loext:opacity="50%"/></style:style>
      <style:style style:name="Tiny" style:family="text"><style:text-properties style:text-position="super 1%"/></style:style>
      <style:style style:name="Ordinal" style:family="text"><style:text-properties style:text-position="super 58%"/></style:style>
      <style:style style:name="Far" style:family="text"><style:text-properties style:text-position="-10000% 100%"/></style:style>
    "#;
    let frame = |attributes: &str, text: &str| {
        format!(
            r#"<text:p><draw:frame draw:name="F" text:anchor-type="paragraph" {attributes}><draw:text-box><text:p>{text}</text:p></draw:text-box></draw:frame></text:p>"#
        )
    };
    let span = |style: &str, text: &str| {
        format!(r#"<text:p>Line <text:span text:style-name="{style}">{text}</text:span></text:p>"#)
    };
    let body = [
        frame(
            r#"svg:x="1cm" svg:y="1cm" svg:width="5cm" svg:height="2cm""#,
            "Shown in a frame",
        ),
        frame(
            r#"svg:x="1cm" svg:width="5cm""#,
            "Shown in a frame that grows",
        ),
        frame(
            r#"svg:x="-50cm" svg:y="1cm" svg:width="5cm" svg:height="2cm""#,
            "Unseen in a frame left of the page",
        ),
        frame(
            r#"svg:x="1cm" svg:y="80cm" svg:width="5cm" svg:height="2cm""#,
            "Unseen in a frame below the page",
        ),
        frame(
            r#"svg:x="1cm" svg:y="1cm" svg:width="0.5mm" svg:height="2cm""#,
            "Unseen in a frame half a millimetre wide",
        ),
        frame(
            r#"svg:x="1cm" svg:y="1cm" svg:width="5cm" svg:height="0.1mm""#,
            "Unseen in a frame a tenth of a millimetre high",
        ),
        frame(
            r#"draw:display="none" svg:width="5cm" svg:height="2cm""#,
            "Unseen in a frame not displayed",
        ),
        span("Clear", "Unseen wholly see-through"),
        span("Faint", "Unseen nearly see-through"),
        span("Half", "Shown half see-through"),
        span("Tiny", "Unseen at one percent"),
        span("Ordinal", "Shown as an ordinal"),
        span("Far", "Unseen far below its line"),
    ]
    .concat();
    let text = odt_text(&namespaces, styles, &body);
    reads_only(
        &text,
        &[
            "Shown in a frame",
            "Shown in a frame that grows",
            "Shown half see-through",
            "Shown as an ordinal",
        ],
        &[
            "Unseen in a frame left of the page",
            "Unseen in a frame below the page",
            "Unseen in a frame half a millimetre wide",
            "Unseen in a frame a tenth of a millimetre high",
            "Unseen in a frame not displayed",
            "Unseen wholly see-through",
            "Unseen nearly see-through",
            "Unseen at one percent",
            "Unseen far below its line",
        ],
    );
}

#[test]
fn opendocument_frames_anchored_to_a_page_past_the_last_are_unseen() {
    let namespaces = format!(
        r#"{ODF} xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0""#
    );
    let styles = r#"<style:style style:name="NewPage" style:family="paragraph"><style:paragraph-properties fo:break-before="page"/></style:style>"#;
    let frame = |page: u32, text: &str| {
        format!(
            r#"<draw:frame draw:name="F{page}" text:anchor-type="page" text:anchor-page-number="{page}" svg:x="2cm" svg:y="2cm" svg:width="5cm" svg:height="2cm"><draw:text-box><text:p>{text}</text:p></draw:text-box></draw:frame>"#
        )
    };
    // Three pages: a break laid out, and one a style asks for.
    let body = [
        frame(1, "Shown on the first page"),
        frame(3, "Shown on the third page"),
        frame(4, "Unseen on a fourth page"),
        frame(40, "Unseen on the fortieth page"),
        "<text:p>First page</text:p><text:p><text:soft-page-break/>Second page</text:p>".into(),
        r#"<text:p text:style-name="NewPage">Third page</text:p>"#.into(),
    ]
    .concat();
    let text = odt_text(&namespaces, styles, &body);
    reads_only(
        &text,
        &[
            "Shown on the first page",
            "Shown on the third page",
            "Third page",
        ],
        &["Unseen on a fourth page", "Unseen on the fortieth page"],
    );
}

#[test]
fn word_data_bound_controls_read_their_shown_copy_and_never_the_bound_xml() {
    let control = |xpath: &str, store: &str, copy: &str| {
        format!(
            r#"<w:sdt><w:sdtPr><w:dataBinding w:prefixMappings="xmlns:ns0='urn:example:referral' xmlns:cp='http://schemas.openxmlformats.org/package/2006/metadata/core-properties' xmlns:dc='http://purl.org/dc/elements/1.1/'" w:xpath="{xpath}" w:storeItemID="{store}"/></w:sdtPr><w:sdtContent><w:r><w:t>{copy}</w:t></w:r></w:sdtContent></w:sdt>"#
        )
    };
    let line = |label: &str, control: String| {
        format!(r#"<w:p><w:r><w:t xml:space="preserve">{label}: </w:t></w:r>{control}</w:p>"#)
    };
    const STORE: &str = "{11111111-2222-3333-4444-555555555555}";
    const CORE: &str = "{6C3C8BC8-F283-45AE-878A-BAB7291924A1}";
    let body = [
        line(
            "Consent to referral",
            control("/ns0:referral[1]/ns0:consent[1]", STORE, "Yes"),
        ),
        line(
            "Full name",
            control("/ns0:referral[1]/ns0:name[1]", STORE, "Sam Example"),
        ),
        line(
            "Custody status",
            control(
                "/ns0:referral[1]/ns0:custody[1]",
                "{00000000-0000-0000-0000-000000000000}",
                "remand",
            ),
        ),
        line(
            "Referring agency",
            control(
                "/cp:coreProperties[1]/dc:title[1]",
                CORE,
                "Probation Service",
            ),
        ),
    ]
    .concat();
    let document = format!(r#"<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>"#);
    let rels = |relationships: &str| {
        format!(
            r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{relationships}</Relationships>"#
        )
    };
    let package = rels(&format!(
        r#"<Relationship Id="rId1" Type="{RELATIONSHIP}/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>"#
    ));
    let document_rels = rels(&format!(
        r#"<Relationship Id="rId1" Type="{RELATIONSHIP}/customXml" Target="../customXml/item1.xml"/>"#
    ));
    let item_rels = rels(&format!(
        r#"<Relationship Id="rId1" Type="{RELATIONSHIP}/customXmlProps" Target="itemProps1.xml"/>"#
    ));
    let item = r#"<r:referral xmlns:r="urn:example:referral"><r:consent>No - Unseen refusal</r:consent><r:name>Sam
      Example</r:name></r:referral>"#;
    let properties = format!(
        r#"<ds:datastoreItem ds:itemID="{STORE}" xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml"/>"#
    );
    let core = r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Probation Service</dc:title></cp:coreProperties>"#;
    let parts: [(&str, &[u8]); 7] = [
        ("_rels/.rels", package.as_bytes()),
        ("word/document.xml", document.as_bytes()),
        ("word/_rels/document.xml.rels", document_rels.as_bytes()),
        ("customXml/item1.xml", item.as_bytes()),
        ("customXml/_rels/item1.xml.rels", item_rels.as_bytes()),
        ("customXml/itemProps1.xml", properties.as_bytes()),
        ("docProps/core.xml", core.as_bytes()),
    ];
    let bytes = zip_parts(&parts).expect("zip");
    let text = read_document(DocumentKind::Docx, &bytes, &LIMITS).expect("read");
    // The copy of consent says yes, the bound part (which Word shows)
    // no: not settled. The name reads the same both ways; a control
    // bound to a store the document lacks, and one bound to the core
    // properties that agree, read their copies.
    reads_only(
        &text,
        &[
            "Consent to referral: \u{fdd0}",
            "Full name: Sam Example",
            "Custody status: remand",
            "Referring agency: Probation Service",
        ],
        &["Yes", "Unseen refusal"],
    );

    // A bound part too large to keep cannot be checked: not settled.
    let padding = format!("<!-- {} -->", "x".repeat(5 * 1024 * 1024));
    let large = item.replace("<r:consent>", &format!("{padding}<r:consent>"));
    let mut parts = parts;
    parts[3] = ("customXml/item1.xml", large.as_bytes());
    let bytes = zip_parts(&parts).expect("zip");
    let text = read_document(DocumentKind::Docx, &bytes, &LIMITS).expect("read");
    reads_only(&text, &["Consent to referral: \u{fdd0}"], &["Yes"]);
}

#[test]
fn word_paragraph_styles_placing_text_off_the_page_hide_it() {
    let styles = r#"
      <w:style w:type="paragraph" w:styleId="Offstage"><w:pPr><w:ind w:left="-30000"/></w:pPr></w:style>
      <w:style w:type="paragraph" w:styleId="Framed"><w:pPr><w:framePr w:w="2000" w:hAnchor="page" w:vAnchor="page" w:x="1000" w:y="50000"/></w:pPr></w:style>
      <w:style w:type="paragraph" w:styleId="Deeper"><w:basedOn w:val="Offstage"/></w:style>
    "#;
    let paragraph = |style: &str, own: &str, text: &str| {
        format!(
            r#"<w:p><w:pPr><w:pStyle w:val="{style}"/>{own}</w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
        )
    };
    let body = [
        paragraph("Offstage", "", "Unseen indented by its style"),
        paragraph("Deeper", "", "Unseen indented by its style's base"),
        paragraph("Framed", "", "Unseen framed by its style"),
        paragraph("Offstage", r#"<w:ind w:left="0"/>"#, "Shown indented back"),
    ]
    .concat();
    let text = word(&body, Some(styles), None, None);
    reads_only(
        &text,
        &["Shown indented back"],
        &[
            "Unseen indented by its style",
            "Unseen indented by its style's base",
            "Unseen framed by its style",
        ],
    );
}

#[test]
fn word_field_codes_are_never_read_only_their_results() {
    // A complex field's code (between `begin` and `separate`, or `end`
    // when it has no result) is never shown, whatever it is written with;
    // its result is what the page shows.
    let r = |inner: &str| format!("<w:r>{inner}</w:r>");
    let t = |text: &str| r(&format!(r#"<w:t xml:space="preserve">{text}</w:t>"#));
    let mark = |kind: &str| r(&format!(r#"<w:fldChar w:fldCharType="{kind}"/>"#));
    let body = [
        // Code written as text, a field nested in the code.
        format!(
            "<w:p>{}{}{}{}{}{}{}{}{}{}{}{}</w:p>",
            t("Consent to referral: "),
            mark("begin"),
            t("Unseen code"),
            mark("begin"),
            t("Unseen nested code"),
            mark("separate"),
            t("Unseen nested result"),
            mark("end"),
            mark("separate"),
            t("Shown result"),
            mark("end"),
            t(" shown after"),
        ),
        // No result: everything up to its end is code.
        format!(
            "<w:p>{}{}{}{}{}{}</w:p>",
            t("Full name: "),
            mark("begin"),
            r("<w:instrText> QUOTE </w:instrText>"),
            t("Unseen without a result"),
            mark("end"),
            t("Shown after the field"),
        ),
        // A field nested in a result: its own code unseen, its result shown.
        format!(
            "<w:p>{}{}{}{}{}{}{}{}{}</w:p>",
            mark("begin"),
            r("<w:instrText> IF 1 = 1 </w:instrText>"),
            mark("separate"),
            t("Shown outer result "),
            mark("begin"),
            t("Unseen inner code"),
            mark("separate"),
            t("shown inner result"),
            mark("end") + &mark("end"),
        ),
        // A legacy check box: its state is in the field's start, still read.
        format!(
            r#"<w:p>{}<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:checkBox><w:default w:val="1"/></w:checkBox></w:ffData></w:fldChar></w:r>{}{}</w:p>"#,
            t("At risk of rough sleeping: "),
            r("<w:instrText> FORMCHECKBOX </w:instrText>"),
            mark("end"),
        ),
    ]
    .concat();
    let text = word(&body, None, None, None);
    reads_only(
        &text,
        &[
            "Consent to referral: Shown result shown after",
            "Full name: Shown after the field",
            "Shown outer result shown inner result",
            "At risk of rough sleeping: ☒",
        ],
        &["Unseen", "QUOTE", "FORMCHECKBOX"],
    );
}

#[test]
fn word_elements_of_ignorable_namespaces_word_does_not_know_are_dropped() {
    // `mc:Ignorable` names namespaces a program that does not know them
    // drops, with all inside; Word knows `w14`, not `urn:example:*`.
    let xml = format!(
        r#"<w:document xmlns:w="{W}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" xmlns:xz="urn:example:unknown" mc:Ignorable="w14 xz"><w:body>
        <w:p><w:r><w:t xml:space="preserve">Consent to referral: </w:t></w:r><xz:note><w:r><w:t>Unseen ignorable run</w:t></w:r></xz:note><w:r><w:t>Shown answer</w:t></w:r></w:p>
        <xz:block><w:p><w:r><w:t>Unseen ignorable paragraph</w:t></w:r></w:p></xz:block>
        <w:p><w:r><xz:tab/><w:t>Shown with no tab</w:t></w:r></w:p>
        <w:p><w:r><w14:known/><w:t>Shown beside a known one</w:t></w:r></w:p>
        <w:p xmlns:yz="urn:example:other" mc:Ignorable="yz"><yz:n><w:r><w:t>Unseen in its scope</w:t></w:r></yz:n><w:r><w:t>Shown in its scope</w:t></w:r></w:p>
        <w:p><yz:n xmlns:yz="urn:example:other"><w:r><w:t>Shown out of its scope</w:t></w:r></yz:n></w:p>
        <w:p mc:ProcessContent="xz:wrap"><xz:wrap><w:r><w:t xml:space="preserve">Shown read through </w:t></w:r><xz:t><w:r><w:t>Unseen in a dropped one</w:t></w:r></xz:t></xz:wrap><w:r><w:t>and after</w:t></w:r></w:p>
        <w:p mc:ProcessContent="xz:*"><xz:t><w:r><w:t>Shown in any read through</w:t></w:r></xz:t></w:p>
        <w:p><xz:wrap><w:r><w:t>Unseen out of the read through scope</w:t></w:r></xz:wrap></w:p>
        </w:body></w:document>"#
    );
    let text = docx::read_document_xml(&xml).expect("read");
    reads_only(
        &text,
        &[
            "Consent to referral: Shown answer",
            "Shown with no tab",
            "Shown beside a known one",
            "Shown in its scope",
            "Shown out of its scope",
            "Shown read through and after",
            "Shown in any read through",
        ],
        &["Unseen", "\tShown with no tab"],
    );
}

/// A Word package of `body`, its content controls bound to `item` (the
/// custom XML part of store `BOUND_STORE`).
fn word_bound(body: &str, item: &str) -> String {
    let document = format!(r#"<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>"#);
    let rels = |relationships: &str| {
        format!(
            r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{relationships}</Relationships>"#
        )
    };
    let package = rels(&format!(
        r#"<Relationship Id="rId1" Type="{RELATIONSHIP}/officeDocument" Target="word/document.xml"/>"#
    ));
    let document_rels = rels(&format!(
        r#"<Relationship Id="rId1" Type="{RELATIONSHIP}/customXml" Target="../customXml/item1.xml"/>"#
    ));
    let item_rels = rels(&format!(
        r#"<Relationship Id="rId1" Type="{RELATIONSHIP}/customXmlProps" Target="itemProps1.xml"/>"#
    ));
    let properties = format!(
        r#"<ds:datastoreItem ds:itemID="{BOUND_STORE}" xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml"/>"#
    );
    let parts: [(&str, &[u8]); 6] = [
        ("_rels/.rels", package.as_bytes()),
        ("word/document.xml", document.as_bytes()),
        ("word/_rels/document.xml.rels", document_rels.as_bytes()),
        ("customXml/item1.xml", item.as_bytes()),
        ("customXml/_rels/item1.xml.rels", item_rels.as_bytes()),
        ("customXml/itemProps1.xml", properties.as_bytes()),
    ];
    let bytes = zip_parts(&parts).expect("zip");
    read_document(DocumentKind::Docx, &bytes, &LIMITS).expect("read")
}

const BOUND_STORE: &str = "{11111111-2222-3333-4444-555555555555}";

/// A content control bound to `xpath` in `BOUND_STORE`, its content `content`.
fn bound_control(xpath: &str, content: &str) -> String {
    format!(
        r#"<w:sdt><w:sdtPr><w:dataBinding w:prefixMappings="xmlns:ns0='urn:example:referral'" w:xpath="{xpath}" w:storeItemID="{BOUND_STORE}"/><w:text/></w:sdtPr><w:sdtContent>{content}</w:sdtContent></w:sdt>"#
    )
}

#[test]
fn word_bound_controls_whose_path_is_not_followed_are_unreadable() {
    let item = r#"<r:referral xmlns:r="urn:example:referral"><r:name>Sam Example</r:name><r:consent>No</r:consent></r:referral>"#;
    let paths = [
        "//ns0:consent",
        "/*[1]/*[2]",
        "/ns0:referral[1]/ns0:consent[last()]",
        "/ns0:referral[1]/ns0:consent[position()=1]",
        "/*[local-name()='referral']/*[local-name()='consent']",
        "/ns0:referral[1] / ns0:consent[1]",
        "/ns9:referral[1]/ns9:consent[1]",
        "/ns0:referral[1]/ns0:consent[0]",
    ];
    let body: String = paths
        .iter()
        .enumerate()
        .map(|(i, path)| {
            format!(
                r#"<w:p><w:r><w:t xml:space="preserve">Path {i}: </w:t></w:r>{}</w:p>"#,
                bound_control(path, "<w:r><w:t>Yes</w:t></w:r>")
            )
        })
        .collect();
    // A path followed whose value agrees reads as before.
    let body = format!(
        r#"{body}<w:p><w:r><w:t xml:space="preserve">Full name: </w:t></w:r>{}</w:p>"#,
        bound_control(
            "/ns0:referral[1]/ns0:name[1]",
            "<w:r><w:t>Sam Example</w:t></w:r>"
        )
    );
    let text = word_bound(&body, item);
    let lines: Vec<String> = (0..paths.len())
        .map(|i| format!("Path {i}: \u{fdd0}"))
        .collect();
    let mut shown: Vec<&str> = lines.iter().map(String::as_str).collect();
    shown.push("Full name: Sam Example");
    reads_only(&text, &shown, &["Yes", "No"]);
}

#[test]
fn word_bound_controls_around_whole_paragraphs_are_unreadable() {
    // Word puts the bound value in place of the paragraphs a control
    // wraps: their copy is never the answer, even where the path is one
    // followed.
    let item =
        r#"<r:referral xmlns:r="urn:example:referral"><r:consent>No</r:consent></r:referral>"#;
    let paragraph = |text: &str| format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>");
    let body = [
        paragraph("Consent to referral"),
        bound_control("/ns0:referral[1]/ns0:consent[1]", &paragraph("Yes")),
        format!(
            r#"<w:tbl><w:tr><w:tc>{}</w:tc><w:tc>{}</w:tc></w:tr></w:tbl>"#,
            paragraph("At risk of rough sleeping"),
            bound_control(
                "//ns0:consent",
                &[paragraph("Yes"), paragraph("Yes again")].concat()
            ),
        ),
        paragraph("Shown after"),
    ]
    .concat();
    let text = word_bound(&body, item);
    reads_only(
        &text,
        &[
            "Consent to referral\n\u{fdd0}\n",
            "At risk of rough sleeping\t\u{fdd0}\n",
            "Shown after",
        ],
        &["Yes", "No"],
    );
}
