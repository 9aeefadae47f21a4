use super::*;
use crate::core::field::Field;
use crate::core::form::read_form;

fn values(html: &str) -> std::collections::BTreeMap<Field, String> {
    read_form(&html_to_lines(html)).values
}

#[test]
fn paragraphs_are_blocks_and_divs_are_lines() {
    assert_eq!(
        html_to_lines("<p>One</p><p>Two</p><div>Three</div><div>Four</div>"),
        "One\n\nTwo\n\nThree\nFour\n"
    );
    assert_eq!(
        html_to_lines("<h2>Head</h2>text<ul><li>a</li><li>b</li></ul>"),
        "Head\n\ntext\n\na\n\nb\n"
    );
}

#[test]
fn white_space_collapses_but_nbsp_does_not() {
    assert_eq!(
        html_to_lines("<p>  Full \r\n\t name:   Sam  </p>"),
        "Full name: Sam\n"
    );
    // An Outlook spacer paragraph is a line of its own (shown blank).
    assert_eq!(
        html_to_lines("<p>a</p><p>&nbsp;</p><p>b</p>"),
        "a\n\n\n\nb\n"
    );
    assert_eq!(
        html_to_lines("<p>07700&nbsp;900&nbsp;640</p>"),
        "07700\u{a0}900\u{a0}640\n"
    );
}

#[test]
fn breaks_end_lines_and_stand_for_empty_lines() {
    assert_eq!(html_to_lines("a<br>b<br><br>c<br/>"), "a\nb\n\nc\n");
    assert_eq!(html_to_lines("a</br>b"), "a\nb\n");
}

#[test]
fn entities_are_decoded() {
    assert_eq!(
        html_to_lines("<p>O&#8217;Brien &amp; Sons &lt;x&gt; &pound;5 &#x2013; caf&eacute;</p>"),
        "O\u{2019}Brien & Sons <x> \u{a3}5 \u{2013} caf\u{e9}\n"
    );
    // A decoded tab or newline is white space like any other.
    assert_eq!(
        html_to_lines("<p>Full name&#9;Sam&#10;X</p>"),
        "Full name Sam X\n"
    );
}

#[test]
fn tables_with_colons_become_label_value_lines() {
    let html = "<table><tr><td><p><b>Full name:</b></p></td><td><p>Sam Example</p></td></tr>\
        <tr><td>Date of birth:</td><td>01/02/1990</td></tr></table>";
    assert_eq!(
        html_to_lines(html),
        "Full name:\tSam Example\n\nDate of birth:\t01/02/1990\n\n"
    );
    let v = values(html);
    assert_eq!(v[&Field::FullName], "Sam Example");
    assert_eq!(v[&Field::DateOfBirth], "01/02/1990");
}

#[test]
fn tables_without_colons_and_with_empty_values() {
    // `&nbsp;` in an empty value cell, as Outlook writes it: the row
    // keeps its separator, with nothing after it.
    let html = "<table>\
        <tr><td><p class=MsoNormal><b>Full name<o:p></o:p></b></p></td>\
            <td><p class=MsoNormal>Dean Fuller<o:p></o:p></p></td></tr>\
        <tr><td><p>Prison number</p></td><td><p><o:p>&nbsp;</o:p></p></td></tr>\
        <tr><td>CRN</td><td>X310288</td></tr></table>";
    let text = html_to_lines(html);
    assert!(text.contains("\nPrison number\t\n"), "{text:?}");
    let v = values(html);
    assert_eq!(v[&Field::FullName], "Dean Fuller");
    assert_eq!(v[&Field::Crn], "X310288");
    assert!(!v.contains_key(&Field::PrisonNumber), "{v:?}");
}

#[test]
fn breaks_and_paragraphs_inside_cells_join_with_spaces() {
    let html = "<table><tr><td>Reason at risk of homelessness</td>\
        <td>First line<br>second line<p>third</p></td></tr></table>";
    assert_eq!(
        html_to_lines(html),
        "Reason at risk of homelessness\tFirst line second line third\n\n"
    );
    // Three or more cells: the value is every other cell, in order,
    // each apart (empty ones too), read as words of one value.
    let html = "<table><tr><th>Name</th><td>Sam</td><td></td><td>Example</td></tr></table>";
    assert_eq!(html_to_lines(html), "Name\tSam\u{1f}\u{1f}Example\n\n");
    assert_eq!(values(html)[&Field::FullName], "Sam Example");
}

#[test]
fn tick_box_rows_keep_each_box_beside_its_option() {
    // An X typed beside an option, the other box cell left empty.
    let html = "<table><tr><td>Consent to referral</td><td>Yes</td><td>X</td>\
        <td>No</td><td>&nbsp;</td></tr>\
        <tr><td>At risk of rough sleeping</td><td><p>&#9744; Yes</p></td><td><p>&#9746; No</p></td></tr>\
        <tr><td>Existing tenancy or mortgage</td><td></td><td>Yes</td><td>X</td><td>No</td></tr></table>";
    let v = values(html);
    assert_eq!(v[&Field::Consent], "Yes");
    assert_eq!(v[&Field::RoughSleepingRisk], "No");
    assert_eq!(v[&Field::ExistingTenancy], "No");
}

#[test]
fn single_cell_rows_keep_their_lines() {
    let html =
        "<table><tr><td colspan=2><p>DUTY TO REFER REFERRAL</p><p>Full name: Sam</p></td></tr>\
        <tr><td>CRN</td><td>X123456</td></tr></table>";
    assert_eq!(
        html_to_lines(html),
        "DUTY TO REFER REFERRAL\n\nFull name: Sam\n\nCRN\tX123456\n\n"
    );
    assert!(read_form(&html_to_lines(html)).heading);
}

#[test]
fn nested_tables_as_outlook_writes_them() {
    // A layout table around the message, and the form's own table
    // inside its one cell, with text before and after it.
    let html = "<table class=MsoNormalTable><tr><td style='padding:0'>\
        <p class=MsoNormal>Hello,</p>\
        <table class=MsoTableGrid><tr><td><p><b>Full name</b></p></td><td><p>Sam Example</p></td></tr>\
        <tr><td><p>DOB</p></td><td><p>01/02/1990</p></td></tr></table>\
        <p class=MsoNormal>Kind regards</p></td></tr></table>";
    let text = html_to_lines(html);
    assert!(text.contains("\nFull name\tSam Example\n"), "{text:?}");
    assert!(text.contains("\nDOB\t01/02/1990\n"), "{text:?}");
    assert!(text.starts_with("Hello,\n"), "{text:?}");
    assert!(text.trim_end().ends_with("Kind regards"), "{text:?}");
    // A signature-style outer row of two cells, the form in the second.
    let html = "<table><tr><td><img alt=logo></td><td>\
        <table><tr><td>Full name</td><td>Sam Example</td></tr>\
        <tr><td>CRN</td><td>X123456</td></tr></table></td></tr>\
        <tr><td>Referrer name</td><td>Jo Officer</td></tr></table>";
    let v = values(html);
    assert_eq!(v[&Field::FullName], "Sam Example");
    assert_eq!(v[&Field::Crn], "X123456");
    assert_eq!(v[&Field::ReferrerName], "Jo Officer");
}

#[test]
fn conditional_comments_and_comments_are_dropped() {
    let html = "<html><head><!--[if gte mso 9]><xml><o:OfficeDocumentSettings>\
        <o:AllowPNG/>Full name: Hidden</o:OfficeDocumentSettings></xml><![endif]--></head>\
        <body><!-- Full name: Comment --><p>Full name: Shown</p>\
        <p><![if !supportLists]>1.<![endif]>Item</p></body></html>";
    assert_eq!(html_to_lines(html), "Full name: Shown\n\n1.Item\n");
}

#[test]
fn style_script_and_title_are_dropped() {
    let html = "<html><head><title>Full name: Title</title>\
        <style><!-- p.MsoNormal {margin:0cm;} <p>Full name: Style</p> --></style>\
        <script>var x = '<p>Full name: Script</p>';</script></head>\
        <body><p>Full name: Body</p><style>td {border:0}</style><p>Done</p></body></html>";
    assert_eq!(html_to_lines(html), "Full name: Body\n\nDone\n");
    // A textarea's text is shown.
    assert_eq!(html_to_lines("<textarea>a <b> c</textarea>"), "a <b> c\n");
}

#[test]
fn hidden_elements_are_never_read() {
    let html = "<div style='display:none'>Full name: Hidden Div<p>Consent to referral: Yes</p>\
        <div>Full name: Nested</div></div>\
        <p style=\"mso-hide: all\">Full name: Outlook Hidden</p>\
        <span style='visibility:hidden'>Full name: Invisible</span>\
        <p hidden>Full name: Attribute</p>\
        <p style='color:red; DISPLAY : NONE !important'>Full name: Important</p>\
        <table><tr style='display:none'><td>Consent to referral</td><td>Yes</td></tr>\
        <tr><td>Full name</td><td style='display:none'>Hidden Cell</td><td>Sam Shown</td></tr>\
        </table><p>Consent to referral: No<span hidden> and Yes</span></p>";
    let v = values(html);
    assert_eq!(v[&Field::FullName], "Sam Shown");
    assert_eq!(v[&Field::Consent], "No");
    let text = html_to_lines(html);
    for hidden in [
        "Hidden",
        "Nested",
        "Invisible",
        "Attribute",
        "Important",
        "and Yes",
    ] {
        assert!(!text.contains(hidden), "{hidden}: {text:?}");
    }
    // Styles that do not hide, and hidden elements with nothing in them.
    assert_eq!(
        html_to_lines(
            "<p style='display:block;visibility:visible;mso-hide:none'>Shown</p>\
             <p>a<br style='display:none'>b<img hidden></p><p style='x-display:none'>c</p>"
        ),
        "Shown\n\nab\n\nc\n"
    );
}

#[test]
fn a_hidden_element_ends_where_a_browser_ends_it() {
    // End tags left out: the next paragraph, cell or row ends it.
    assert_eq!(
        html_to_lines("<p style=display:none>hidden<p>shown</p>"),
        "shown\n"
    );
    assert_eq!(
        html_to_lines("<div><p hidden>hidden</div><p>shown"),
        "shown\n"
    );
    let html = "<table><tr><td>Full name<td hidden>Hidden<td>Sam</tr>\
        <tr hidden><td>CRN<td>X999999<tr><td>DOB<td>01/02/1990</table>";
    let v = values(html);
    assert_eq!(v[&Field::FullName], "Sam");
    assert_eq!(v[&Field::DateOfBirth], "01/02/1990");
    assert!(!v.contains_key(&Field::Crn), "{v:?}");
    // A table or list inside a hidden cell or item: its cells and items
    // do not end it; same-named elements nest.
    let html = "<table><tr><td>Full name</td><td hidden><table><tr><td>Hidden</td>\
        <td>Too</td></tr></table>Still hidden</td><td>Sam</td></tr></table>\
        <ul><li hidden>a<ul><li>b</li></ul>c</li><li>shown</li></ul>\
        <div hidden><div>x</div>y</div>z";
    let text = html_to_lines(html);
    assert!(text.contains("Full name\tSam"), "{text:?}");
    for hidden in ["Hidden", "Too", "Still", "a\n", "b", "c", "x", "y"] {
        assert!(!text.contains(hidden), "{hidden}: {text:?}");
    }
    assert!(text.contains("shown") && text.ends_with("z\n"), "{text:?}");
}

#[test]
fn preformatted_text_keeps_its_lines() {
    assert_eq!(
        html_to_lines("<pre>Full name:  Sam\n\nCRN:\tX1</pre>after"),
        "Full name:  Sam\n\nCRN: X1\n\nafter\n"
    );
}

#[test]
fn unclosed_and_stray_tags() {
    assert_eq!(
        html_to_lines("<p>Full name: Sam<p>DOB: 1/2/90<div>CRN: X1"),
        "Full name: Sam\n\nDOB: 1/2/90\nCRN: X1\n"
    );
    assert_eq!(
        html_to_lines("<table><tr><td>Full name<td>Sam<tr><td>CRN<td>X1"),
        "Full name\tSam\n\nCRN\tX1\n\n"
    );
    // Cells without a table, a row without cells, closing tags with
    // nothing open, a style sheet cut off.
    assert_eq!(
        html_to_lines("</table></tr></td><td>a<td>b<tr>c</p></div>"),
        "a\nb\nc\n"
    );
    assert_eq!(
        html_to_lines("<table><td>Name<td>Sam</table>x"),
        "Name\tSam\n\n\nx\n"
    );
    assert_eq!(html_to_lines("<p>kept</p><style>p {"), "kept\n");
    assert_eq!(html_to_lines("<p>cut <b"), "cut\n");
    assert_eq!(html_to_lines(""), "");
    assert_eq!(
        html_to_lines("<<>>&&;&#xFFFFFFFF;&#0;"),
        "<<>>&&;\u{fffd}\u{fffd}\n"
    );
}

#[test]
fn deep_nesting_costs_no_stack() {
    let depth = 10_000;
    let divs = format!(
        "{}Full name: X{}",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    assert_eq!(html_to_lines(&divs), "Full name: X\n");
    let quotes = format!("{}Full name: X", "<blockquote><p>".repeat(depth));
    assert_eq!(html_to_lines(&quotes), "Full name: X\n");
    let tables = format!("{}Full name: X", "<table><tr><td>".repeat(depth));
    assert_eq!(html_to_lines(&tables).trim(), "Full name: X");
    let rows = format!(
        "<table><tr><td>Full name</td><td>{}X",
        "<table><tr><td>a<td>".repeat(depth)
    );
    // Nested in the answer's cell, the tables are part of the answer.
    assert!(html_to_lines(&rows).contains("a\u{1f}X"));
}

#[test]
fn a_full_outlook_message_reads() {
    let html = "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><head>\
        <meta http-equiv=Content-Type content=\"text/html; charset=us-ascii\">\
        <style><!-- p.MsoNormal {margin:0cm;} --></style></head>\
        <body lang=EN-GB><div class=WordSection1>\
        <p class=MsoNormal><b>DUTY TO REFER REFERRAL</b><o:p></o:p></p>\
        <p class=MsoNormal><o:p>&nbsp;</o:p></p>\
        <p class=MsoNormal><b>Full name:</b> Kieran O&#8217;Brien<o:p></o:p></p>\
        <p class=MsoNormal><b>Contact phone:</b> 07700&nbsp;900&nbsp;640<o:p></o:p></p>\
        <p class=MsoNormal><b>Reason at risk of homelessness:</b> The friend has moved<br>\
        and will not let him return.<o:p></o:p></p>\
        <p class=MsoNormal><b>Referrer email:</b> <a href=\"mailto:jane.doe@justice.gov.uk\">\
        jane.doe@justice.gov.uk</a><o:p></o:p></p>\
        <p class=MsoNormal><b>Referring agency:</b> HMP &amp; YOI Chelmsford<o:p></o:p></p>\
        <p class=MsoNormal>Kind regards<o:p></o:p></p></div></body></html>";
    let reading = read_form(&html_to_lines(html));
    assert!(reading.heading);
    let v = reading.values;
    assert_eq!(v[&Field::FullName], "Kieran O\u{2019}Brien");
    assert_eq!(v[&Field::PersonPhone], "07700 900 640");
    assert_eq!(
        v[&Field::HomelessnessReason],
        "The friend has moved and will not let him return."
    );
    assert_eq!(v[&Field::ReferrerEmail], "jane.doe@justice.gov.uk");
    assert_eq!(v[&Field::ReferringAgency], "HMP & YOI Chelmsford");
}

mod properties {
    use super::html_to_lines;
    use proptest::prelude::*;

    /// Tag soup from the pieces that steer the renderer.
    fn soup() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("<table>"),
            Just("</table>"),
            Just("<tr>"),
            Just("</tr>"),
            Just("<td>"),
            Just("</td>"),
            Just("<th>"),
            Just("<p>"),
            Just("</p>"),
            Just("<div>"),
            Just("<br>"),
            Just("<pre>"),
            Just("</pre>"),
            Just("<style>"),
            Just("</style>"),
            Just("<title>"),
            Just("<!--"),
            Just("-->"),
            Just("<![if x]>"),
            Just("&nbsp;"),
            Just("&#9;"),
            Just("&"),
            Just("<"),
            Just(">"),
            Just("\t"),
            Just("\n"),
            Just(" "),
            Just("Full name"),
            Just(":"),
            Just("é"),
            Just("<b x='"),
            Just("'"),
            Just("<p hidden>"),
            Just("<td style='display:none'>"),
            Just("<div style=mso-hide:all>"),
            Just("</div>"),
        ];
        proptest::collection::vec(piece, 0..200).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        #[test]
        fn tag_soup_renders_without_panicking(html in soup()) {
            let text = html_to_lines(&html);
            // Only a table row carries the cell separator, once.
            for line in text.lines() {
                prop_assert!(line.matches('\t').count() <= 1, "{:?}", line);
            }
        }

        #[test]
        fn any_text_renders_without_panicking(html in "(?s).{0,400}") {
            let _ = html_to_lines(&html);
        }
    }
}

#[test]
fn a_row_of_two_questions_reads_each_answer_beside_its_own_label() {
    let html = "<table><tr><td><b>Date of birth</b></td><td>04/05/1983</td>\
        <td><b>Prison number</b></td><td>A1234BC</td></tr>\
        <tr><td><b>Referrer name</b></td><td>Kerry Walsh</td>\
        <td><b>Referrer email</b></td><td>kerry.walsh@justice.gov.uk</td></tr>\
        <tr><td>Consent to referral</td><td>Yes</td><td>X</td><td>No</td></tr></table>";
    let read = values(html);
    assert_eq!(read[&Field::DateOfBirth], "04/05/1983");
    assert_eq!(read[&Field::PrisonNumber], "A1234BC");
    assert_eq!(read[&Field::ReferrerName], "Kerry Walsh");
    assert_eq!(read[&Field::ReferrerEmail], "kerry.walsh@justice.gov.uk");
    // A row of options is no row of pairs.
    assert!(html_to_lines(html).contains("Consent to referral\tYes\u{1f}X\u{1f}No"));
}

#[test]
fn text_too_small_or_the_colour_of_its_background_is_not_read() {
    for hiding in [
        "font-size:0",
        "font-size:1px",
        "FONT-SIZE: 1.0pt",
        "font-size:0.1em",
        "color:#FFFFFF",
        "color:#fff",
        "color:white",
        "color:rgb(255, 255, 255)",
        "color:#fefefe",
        "color:#123456;background:#123456",
        "color:red;background-color:red",
        "font:0/0 a",
        "font: 1px Arial",
        "opacity:0",
        "max-height:0;overflow:hidden",
        "width:0px; height:0px; overflow:hidden",
        "color:transparent",
    ] {
        let html = format!(
            "<p>Consent to referral: <span style=\"{hiding}\">Yes - </span>No, he declined</p>"
        );
        assert_eq!(
            values(&html)[&Field::Consent],
            "No, he declined",
            "{hiding}"
        );
    }
    // Text that is seen: a readable size, white on a dark background
    // (set on the element or around it), colour on white.
    for shown in [
        "font-size:11pt",
        "font-size:2px",
        "color:white;background:#1f3864",
        "color:#ff0000",
        "color:windowtext",
        "font:11pt Calibri",
        "opacity:0.9",
        "max-height:0",
        "height:20px;overflow:hidden",
    ] {
        let html = format!("<p>Consent to referral: <span style=\"{shown}\">No</span></p>");
        assert_eq!(values(&html)[&Field::Consent], "No", "{shown}");
    }
    let html = "<table><tr><td bgcolor=\"#1F3864\"><span style='color:white'>Full name</span>\
        </td><td style='background:black'><font color=white>Sam Example</font></td></tr></table>";
    assert_eq!(values(html)[&Field::FullName], "Sam Example");
    // White text inside a smaller element of its own colour, and a font
    // element's colour.
    let html = "<p style='font-size:1px;color:white'>Consent to referral: Yes</p>\
        <p>Consent to referral: <font color=\"#ffffff\">Yes </font>No</p>";
    assert_eq!(values(html)[&Field::Consent], "No");
    // What the hidden element holds at a readable size is still unseen,
    // what follows it is seen.
    let html = "<p><span style='font-size:0'>Full name: Hidden <b>Person</b></span>\
        Full name: Sam Example</p>";
    assert_eq!(values(html)[&Field::FullName], "Sam Example");
}

#[test]
fn a_style_sheet_rule_that_hides_hides() {
    let html = "<html><head><style><!-- p.MsoNormal {margin:0cm; font-size:11pt;}\n\
        .hid{display:none} #gone { visibility : hidden } span.tiny{font-size:0}\n\
        @media print { .onlyprint {display:none} } div p.deep{display:none} --></style></head>\
        <body><p class=MsoNormal>Consent to referral: <span class=\"x hid\">Yes - </span>\
        <span id=gone>Yes - </span><span class=tiny>Yes - </span>\
        <span class=onlyprint>No</span><span class=deep>, he declined</span></p></body></html>";
    assert_eq!(values(html)[&Field::Consent], "No, he declined");
    // The element's own style comes after the sheet's.
    let html = "<style>.a{display:none}</style><p>Full name: <span class=a style='display:inline'>\
        Sam</span> Example</p>";
    assert_eq!(values(html)[&Field::FullName], "Sam Example");
    // A rule after the `-->` that closes Outlook's commented sheet.
    let html = "<style><!-- p.MsoNormal {margin:0cm;} -->\n.hid{display:none}</style>\
        <p>Full name: <span class=hid>Hidden </span>Sam Example</p>";
    assert_eq!(values(html)[&Field::FullName], "Sam Example");
    let html = "<style>.a{display:none !important}</style><p>Full name: <span class=a \
        style='display:inline'>Hidden</span>Sam Example</p>";
    assert_eq!(values(html)[&Field::FullName], "Sam Example");
}

#[test]
fn a_second_style_attribute_and_css_comments_are_read_as_a_browser_reads_them() {
    // A browser keeps an element's first `style` and drops the second.
    let html = "<p>Consent to referral: <span style=\"color:white\">Yes - signed</span> \
        <span style=\"font-weight:bold;\" style=\"display:none\">No - he declined</span></p>";
    assert_eq!(values(html)[&Field::Consent], "No - he declined");
    let html = "<p>Consent to referral: <span style=\"display:/**/none\">Yes - </span>No</p>";
    assert_eq!(values(html)[&Field::Consent], "No");
    // A comment ends a word: `no/**/ne` is no `none`.
    let html = "<p>Full name: <span style=\"display:no/* */ne\">Sam</span> Example</p>";
    assert_eq!(values(html)[&Field::FullName], "Sam Example");
}

#[test]
fn wingdings_2_letters_are_the_boxes_outlook_draws() {
    let span = |c: &str| {
        format!(
            "<span style='font-family:\"Wingdings 2\";mso-ascii-font-family:\"Times New Roman\";\
            mso-char-type:symbol;mso-symbol-font-family:\"Wingdings 2\"'><span style='mso-char-type:\
            symbol;mso-symbol-font-family:\"Wingdings 2\"'>{c}</span></span>"
        )
    };
    let html = format!(
        "<p>Consent to referral: {} Yes&nbsp;&nbsp; {} No</p><p>Referral type: Duty to Refer</p>",
        span("&pound;"),
        span("T")
    );
    let text = html_to_lines(&html);
    assert!(text.contains("\u{2610} Yes"), "{text:?}");
    assert!(text.contains("\u{2612} No"), "{text:?}");
    // Letters outside the font stay letters.
    assert!(text.contains("Referral type: Duty to Refer"), "{text:?}");
    for (letter, drawn) in [("R", '\u{2611}'), ("S", '\u{2612}'), ("Q", '\u{2717}')] {
        let text = html_to_lines(&format!("<p>Yes {}</p>", span(letter)));
        assert_eq!(text, format!("Yes {drawn}\n"));
    }
    let text =
        html_to_lines("<p><font face=\"Wingdings 2\">R</font> Yes <font face=Arial>R</font></p>");
    assert_eq!(text, "\u{2611} Yes R\n");
    // A span left open ends with its paragraph.
    let text = html_to_lines("<p><span style='font-family:\"Wingdings 2\"'>T</p><p>Tenancy</p>");
    assert_eq!(text, "\u{2612}\n\nTenancy\n");
}

#[test]
fn what_outlook_alone_shows_is_read_apart() {
    let html = "<p>Consent to referral: <!--[if mso]>No &#8211; he declined<![endif]-->\
        <!--[if !mso]><!-->Yes &#8211; signed form held<!--<![endif]--></p>";
    assert_eq!(
        html_to_lines(html),
        "Consent to referral: Yes \u{2013} signed form held\n"
    );
    assert_eq!(
        outlook_lines(html).as_deref(),
        Some("Consent to referral: No \u{2013} he declined\n")
    );
    // Outlook's usual settings in a conditional comment change nothing
    // a reader sees.
    let html = "<head><!--[if gte mso 9]><xml><o:OfficeDocumentSettings><o:AllowPNG/>\
        </o:OfficeDocumentSettings><w:WordDocument><w:View>Normal</w:View></w:WordDocument>\
        </xml><![endif]--></head><p>Full name: Sam</p>";
    assert_eq!(outlook_lines(html), None);
    assert_eq!(outlook_lines("<p>Full name: Sam</p>"), None);
    // Word's list markers between whole comments are shown by all.
    let html = "<p><!--[if !supportLists]--><span>1.</span><!--[endif]-->Full name: Sam</p>\
        <p><!--[if mso]>Consent to referral: No<![endif]--></p>";
    assert_eq!(html_to_lines(html), "1.Full name: Sam\n");
    assert_eq!(
        outlook_lines(html).as_deref(),
        Some("1.Full name: Sam\n\nConsent to referral: No\n")
    );
}

#[test]
fn wingdings_letters_in_html_are_the_boxes_drawn() {
    let wd = |c: &str| format!("<span style='font-family:Wingdings'>{c}</span>");
    let text = html_to_lines(&format!(
        "<p>Consent to referral: {} Yes {} No</p><p>Referral type: Duty to Refer</p>",
        wd("o"),
        wd("x")
    ));
    assert!(
        text.starts_with("Consent to referral: \u{2610} Yes \u{2612} No\n"),
        "{text:?}"
    );
    assert!(text.contains("Referral type: Duty to Refer"), "{text:?}");
    assert_eq!(
        html_to_lines(&format!("<p>{} Yes</p>", wd("&#252;"))),
        "\u{2713} Yes\n"
    );
}

#[test]
fn more_ways_of_hiding_text_are_not_read() {
    for hiding in [
        "color:rgba(255,255,255,0)",
        "color:rgba(0, 0, 0, 0)",
        "color:rgb(0 0 0 / 0%)",
        "color:#000000 ; color:#0000",
        "color:hsl(0,0%,100%)",
        "color:hsl(120deg 10% 99%)",
        "color:MintCream",
        "color:Snow",
        "color:Ivory",
        "color:WHITE",
        "color:FloralWhite",
        "opacity:0%",
        "font-size:0vw",
        "font-size:0em",
        "font-size:0rem",
        "font-size:0.01vh",
        "position:absolute;left:-9999px",
        "position:absolute; top:-5000px",
        "position:fixed;right:9999px",
        "position:relative;left:-3000px",
        "text-indent:-9999px;overflow:hidden",
        "transform:scale(0)",
        "transform:scale(1, 0)",
        "transform:translateX(-9999px)",
    ] {
        let html = format!(
            "<p>Consent to referral: <span style=\"{hiding}\">Yes - </span>No, he declined</p>"
        );
        assert_eq!(
            values(&html)[&Field::Consent],
            "No, he declined",
            "{hiding}"
        );
    }
    // Seen: an opaque colour, a dark one, a box moved a little, an indent
    // whose text overflows into sight, a scale that draws the text.
    for shown in [
        "color:rgba(0,0,0,1)",
        "color:rgba(255,255,255,0.9);background:#000",
        "color:hsl(0,100%,40%)",
        "color:DarkSlateGray",
        "opacity:50%",
        "font-size:2vw",
        "position:absolute;left:10px",
        "left:-9999px",
        "text-indent:-9999px",
        "transform:scale(1.2)",
    ] {
        let html = format!("<p>Consent to referral: <span style=\"{shown}\">No</span></p>");
        assert_eq!(values(&html)[&Field::Consent], "No", "{shown}");
    }
    // A colour attribute without its `#`, read as a browser reads it.
    let html = "<p>Consent to referral: <font color=\"ffffff\">Yes - </font>No</p>\
        <table><tr><td bgcolor=\"000000\">Full name</td><td bgcolor=000000>\
        <font color=\"000000\">Hidden</font>Sam Example</td></tr></table>";
    let v = values(html);
    assert_eq!(v[&Field::Consent], "No");
    assert_eq!(v[&Field::FullName], "Sam Example");
    // `fff` without its `#` is a near-black, seen on white.
    let html = "<p>Consent to referral: <font color=\"fff\">No</font></p>";
    assert_eq!(values(html)[&Field::Consent], "No");
}

#[test]
fn a_template_is_never_shown_and_a_closed_details_is_read() {
    let html = "<template><p>Consent to referral: Yes</p></template>\
        <p>Consent to referral: No</p>";
    assert_eq!(values(html)[&Field::Consent], "No");
    // A closed `<details>` opens with a click, and Outlook shows it open:
    // its text is read.
    let html = "<details><summary>Form</summary><p>Full name: Sam Example</p></details>";
    assert_eq!(values(html)[&Field::FullName], "Sam Example");
}

#[test]
fn style_rules_with_a_star_or_a_descendant_hide() {
    let html = "<style>*.hide{display:none} .x span{display:none} div .y{font-size:0} \
        #f > b{display:none}</style>\
        <p>Consent to referral: <span class=hide>Yes - </span><b class=x>No<span>, Yes</span>\
        </b><span>, he declined</span></p>\
        <div><p>Full name: <i class=y>Hidden </i>Sam Example</p></div>\
        <p class=y>Referrer name: Jo Officer</p>";
    let v = values(html);
    assert_eq!(v[&Field::Consent], "No, he declined");
    assert_eq!(v[&Field::FullName], "Sam Example");
    // `.y` outside a div is seen.
    assert_eq!(v[&Field::ReferrerName], "Jo Officer");
    let html = "<style>* {display:none}</style><p>Full name: Sam</p>";
    assert!(!values(html).contains_key(&Field::FullName));
}

#[test]
fn media_rules_hide_what_some_screen_hides_and_supports_rules_apply() {
    // A rule for every screen, for some screens (a phone's) and under
    // `@supports` hides; one for print or for no screen does not.
    let html = "<style>@media screen { .a {display:none} } \
        @media only screen and (max-width: 600px) { .b {display:none} } \
        @supports (display: grid) { .c {display:none} } \
        @media print { .d {display:none} } \
        @media screen and (max-width: 0) { .e {display:none} } \
        @media not all { .f {display:none} }</style>\
        <p>Consent to referral: <span class=a>Yes - </span><span class=b>Yes - </span>\
        <span class=c>Yes - </span><span class=d>No</span><span class=e>, he</span>\
        <span class=f> declined</span></p>";
    assert_eq!(values(html)[&Field::Consent], "No, he declined");
}

#[test]
fn outlook_comments_in_other_spellings_are_compared() {
    let html = "<p>Consent to referral: <!--[if mso]>No<![endif]-->\
        <!--[if !mso]><!-- -->Yes<!--<![endif]--></p>";
    assert_eq!(html_to_lines(html), "Consent to referral: Yes\n");
    assert_eq!(
        outlook_lines(html).as_deref(),
        Some("Consent to referral: No\n")
    );
    // `(!mso)` is no Outlook's, revealed or not.
    let html = "<p>Consent to referral: <!--[if (!mso)]><!-->Yes<!--<![endif]-->\
        <!--[if (mso)]>No<![endif]--></p>";
    assert_eq!(
        outlook_lines(html).as_deref(),
        Some("Consent to referral: No\n")
    );
    let html = "<p>Full name: Sam<!--[if (!mso)&(!IE)]> Hidden<![endif]--></p>\
        <!--[if (gte mso 9)|(IE)]><p>Consent to referral: No</p><![endif]-->";
    assert_eq!(
        outlook_lines(html).as_deref(),
        Some("Full name: Sam\n\nConsent to referral: No\n")
    );
}

#[test]
fn openings_of_conditional_comments_without_an_end_hide_nothing() {
    // Openings whose condition never ends, then one that does without
    // `>`: a whole comment, hiding nothing. (Each opening once searched to
    // the far `]`; the time this takes is measured by `bench`.)
    let html = format!(
        "{}]--><p>Full name: Sam</p><!--[if mso]><p>Consent to referral: No</p><![endif]-->",
        "<!--[if ".repeat(100_000)
    );
    assert_eq!(
        outlook_lines(&html).as_deref(),
        Some("Full name: Sam\n\nConsent to referral: No\n")
    );
}

#[test]
fn a_descendant_rule_hides_inside_its_ancestor_only_however_deep_and_after_it_closes() {
    // Nested ancestors, closed one by one (by their end tags and by the
    // block that ends them): the rule holds while any is open, and no
    // longer once all are closed.
    let html = "<style>.q .b{display:none} .never .b{color:#020}</style>\
        <p>Consent to referral: <span class=q><span class=q><span class=b>Yes - </span></span>\
        <span class=b>Yes - </span></span><span class=b>No</span></p>\
        <div class=q><p>Full name: <span class=b>Hidden </span>Sam Example</p></div>\
        <p>Referrer name: <span class=b>Jo Officer</span></p>";
    let v = values(html);
    assert_eq!(v[&Field::Consent], "No");
    assert_eq!(v[&Field::FullName], "Sam Example");
    assert_eq!(v[&Field::ReferrerName], "Jo Officer");
}

#[test]
fn filters_clips_fills_zoom_and_margins_that_hide_text_hide_it() {
    for hiding in [
        "-webkit-text-fill-color:transparent",
        "-webkit-text-fill-color:#ffffff",
        "filter:opacity(0)",
        "filter:blur(1px) opacity(5%)",
        "clip-path:inset(50%)",
        "clip-path:circle(0)",
        "position:absolute;clip:rect(0 0 0 0)",
        "scale:0",
        "zoom:0.01",
        "content-visibility:hidden",
        "margin:0 0 0 -5000px;position:relative",
    ] {
        let html = format!("<p>Consent to referral: <span style=\"{hiding}\">Yes - </span>No</p>");
        assert_eq!(values(&html)[&Field::Consent], "No", "{hiding}");
    }
    // Seen: a filter, clip, scale or margin that leaves the text in view.
    for shown in [
        "filter:opacity(1)",
        "clip-path:inset(5%)",
        "position:absolute;clip:rect(0px, 200px, 20px, 0px)",
        "scale:1",
        "zoom:1",
        "margin:0 0 0 10px",
        "-webkit-text-fill-color:#000",
    ] {
        let html = format!("<p>Full name: <span style=\"{shown}\">Sam Example</span></p>");
        assert_eq!(values(&html)[&Field::FullName], "Sam Example", "{shown}");
    }
}

#[test]
fn a_statement_at_the_top_of_a_sheet_does_not_swallow_the_rule_after_it() {
    for head in [
        "@import url(https://fonts.example/a.css);",
        "@charset \"utf-8\";",
        "@layer base, hiding;",
    ] {
        let html = format!(
            "<style>{head} .hide {{display:none}}</style>\
             <p>Consent to referral: <span class=hide>Yes - </span>No</p>"
        );
        assert_eq!(values(&html)[&Field::Consent], "No", "{head}");
    }
}

#[test]
fn options_in_paragraphs_an_empty_one_between_or_in_one_cell() {
    // Outlook writes an empty paragraph as `<p class=MsoNormal>&nbsp;</p>`.
    let html = "<p class=MsoNormal>Consent to referral:</p>\
        <p class=MsoNormal>&#9744; Yes</p><p class=MsoNormal>&nbsp;</p>\
        <p class=MsoNormal>&#9746; No</p><p class=MsoNormal>Full name: Sam Example</p>";
    let v = values(html);
    assert_eq!(v[&Field::Consent], "No");
    assert_eq!(v[&Field::FullName], "Sam Example");
    // One cell for the options, an empty notes cell beside it.
    let html = "<table><tr><td>Consent to referral</td><td>&#9744; Yes<br>&#9746; No</td>\
        <td></td></tr></table>";
    assert_eq!(values(html)[&Field::Consent], "No");
}

/// A `Consent to referral: No` in `html` of its own, with a `Yes` shown
/// below it.
fn no_above_yes(no: &str) -> String {
    format!("{no}<div>Consent to referral: Yes</div>")
}

#[test]
fn text_too_small_by_inheritance_or_in_other_units_is_not_read() {
    for html in [
        "<div style=\"font-size:1px\"><span style=\"font-size:100%\">Consent to referral: No\
            </span></div>",
        "<div style=\"font-size:2px\"><p style=\"font-size:0.5em\">Consent to referral: No\
            </p></div>",
        "<p style=\"font-size:0.05cm\">Consent to referral: No</p>",
        "<p style=\"font-size:0.5mm\">Consent to referral: No</p>",
        "<p style=\"font-size:0.02in\">Consent to referral: No</p>",
        "<p style=\"font-size:calc(0px)\">Consent to referral: No</p>",
        "<style>.s{font-size:1pt}.n{font-size:140%}</style>\
            <div class=s><p class=n>Consent to referral: No</p></div>",
        "<div style=\"font-size:10%\"><div style=\"font-size:50%\"><b style=\"font-size:1.2em\">\
            Consent to referral: No</b></div></div>",
    ] {
        let html = no_above_yes(html);
        let (lines, doubtful) = html_renderings(&html);
        assert_eq!(lines, "Consent to referral: Yes\n", "{html}");
        assert_eq!(doubtful, None, "{html}");
    }
    // A size set again inside, readable, is read.
    for html in [
        "<div style=\"font-size:1px\"><p style=\"font-size:12px\">Consent to referral: No</p>\
            </div>",
        "<div style=\"font-size:1px\"><p style=\"font-size:1rem\">Consent to referral: No</p>\
            </div>",
        "<div style=\"font-size:1px\"><p style=\"font-size:medium\">Consent to referral: No\
            </p></div>",
        "<p style=\"font-size:0.2cm\">Consent to referral: No</p>",
        "<div style=\"font-size:8pt\"><p style=\"font-size:50%\">Consent to referral: No</p>\
            </div>",
    ] {
        assert_eq!(values(html)[&Field::Consent], "No", "{html}");
        assert_eq!(html_renderings(html).1, None, "{html}");
    }
}

#[test]
fn white_written_in_newer_colour_functions_or_escaped_css_is_not_read() {
    for hiding in [
        "color:oklch(100% 0 0)",
        "color:oklch(1 0 0)",
        "color:oklab(100% 0 0)",
        "color:hwb(0 100% 0%)",
        "color:hwb(120deg 95% 0%)",
        "color:lab(100 0 0)",
        "color:lch(100% 0 0)",
        "color:Canvas",
        "color:rgb(none none none);background:#000",
        "disp\\lay:none",
        "\\64 isplay:none",
        "display:n\\6f ne",
        "vis\\ibility:hidden",
    ] {
        let html = no_above_yes(&format!(
            "<p style=\"{hiding}\">Consent to referral: No</p>"
        ));
        let (lines, doubtful) = html_renderings(&html);
        assert_eq!(lines, "Consent to referral: Yes\n", "{hiding}");
        assert_eq!(doubtful, None, "{hiding}");
    }
    // Escapes in a style sheet's declarations and selectors.
    for sheet in [
        "p.x{disp\\lay:none}",
        ".h\\69 d{display:none}",
        ".hid{c\\olor:#fff}",
    ] {
        let html = no_above_yes(&format!(
            "<style>{sheet}</style><p class=\"x hid\">Consent to referral: No</p>"
        ));
        let (lines, doubtful) = html_renderings(&html);
        assert_eq!(lines, "Consent to referral: Yes\n", "{sheet}");
        assert_eq!(doubtful, None, "{sheet}");
    }
    // Dark colours in the same functions are seen.
    for shown in [
        "color:oklch(20% 0.1 250)",
        "color:hwb(0 0% 100%)",
        "color:lab(30 20 -40)",
        "color:CanvasText",
    ] {
        let html = format!("<p style=\"{shown}\">Consent to referral: No</p>");
        assert_eq!(values(&html)[&Field::Consent], "No", "{shown}");
        assert_eq!(html_renderings(&html).1, None, "{shown}");
    }
}

#[test]
fn text_whose_sight_is_not_worked_out_is_in_doubt() {
    for no in [
        "<style>:root{--c:#fff}</style><p style=\"color:var(--c)\">Consent to referral: No</p>",
        "<p style=\"color:color-mix(in srgb, white, white)\">Consent to referral: No</p>",
        "<p style=\"color:AccentColorText\">Consent to referral: No</p>",
        "<p style=\"color:#000;background:var(--bg)\">Consent to referral: No</p>",
        "<p style=\"display:var(--d)\">Consent to referral: No</p>",
        "<p style=\"font-size:var(--s)\">Consent to referral: No</p>",
        "<p style=\"font-size:calc(1px - 1px)\">Consent to referral: No</p>",
        "<p style=\"position:absolute;left:calc(-100vw - 10px)\">Consent to referral: No</p>",
        "<p style=\"text-indent:-9999px\">Consent to referral: No</p>",
        "<div style=\"text-indent:-9999px\"><p>Consent to referral: No</p></div>",
        "<style>p[data-x]{display:none}</style><p data-x>Consent to referral: No</p>",
        "<style>p:last-of-type{display:none}</style><p>Consent to referral: No</p>",
        "<style>h1 + p{display:none}</style><h1>Referral</h1><p>Consent to referral: No</p>",
        "<style>h1 ~ p{color:#fff}</style><h1>Referral</h1><p>Consent to referral: No</p>",
        "<style>span[data-x]{visibility:hidden}</style><p><span data-x>Consent to referral: No</span></p>",
        "<style>p:not(.a){font-size:0}</style><p>Consent to referral: No</p>",
    ] {
        let html = no_above_yes(no);
        let (lines, doubtful) = html_renderings(&html);
        assert!(!lines.contains("No"), "{no}: {lines}");
        assert!(lines.contains("Consent to referral: Yes"), "{no}: {lines}");
        let doubtful = doubtful.unwrap_or_else(|| panic!("{no}: nothing in doubt"));
        assert!(
            doubtful.contains("Consent to referral: No") && doubtful.contains("Yes"),
            "{no}: {doubtful}"
        );
    }
    // A rule read loosely that would show what is hidden puts it in doubt.
    let html = no_above_yes(
        "<style>p[data-x]{display:block !important}</style>\
            <p data-x style=\"display:none\">Consent to referral: No</p>",
    );
    let (lines, doubtful) = html_renderings(&html);
    assert_eq!(lines, "Consent to referral: Yes\n");
    assert!(doubtful.is_some_and(|d| d.contains("Consent to referral: No")));
    // Hidden for certain by other means, it is not in doubt.
    let html = no_above_yes(
        "<style>p[data-x]{color:#fff}</style>\
            <p data-x style=\"display:none\">Consent to referral: No</p>",
    );
    assert_eq!(
        html_renderings(&html),
        ("Consent to referral: Yes\n".to_string(), None)
    );
    // `text-indent` moves nothing on an inline element.
    let html = "<p>Consent to referral: <span style=\"text-indent:-9999px\">No</span></p>";
    assert_eq!(html_renderings(html).1, None);
}

#[test]
fn the_style_rules_mail_programs_write_leave_nothing_in_doubt() {
    let html = "<html><head><style><!--\n\
        @font-face {font-family:\"Cambria Math\"; panose-1:2 4 5 3 5 4 6 3 2 4;}\n\
        p.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm; font-size:11.0pt; \
        font-family:\"Calibri\",sans-serif;}\n\
        a:link, span.MsoHyperlink {mso-style-priority:99; color:#0563C1; \
        text-decoration:underline;}\n\
        a:visited, span.MsoHyperlinkFollowed {color:#954F72; text-decoration:underline;}\n\
        span.EmailStyle17 {mso-style-type:personal-compose; color:windowtext;}\n\
        .MsoChpDefault {mso-style-type:export-only; font-size:10.0pt;}\n\
        @page WordSection1 {size:612.0pt 792.0pt; margin:72.0pt 72.0pt 72.0pt 72.0pt;}\n\
        div.WordSection1 {page:WordSection1;}\n\
        a[x-apple-data-detectors] {color:inherit !important; text-decoration:none !important; \
        font-size:inherit !important;}\n\
        u + #body a {color:inherit; text-decoration:none; font-size:inherit;}\n\
        #MessageViewBody a {color:inherit; text-decoration:none;}\n\
        .ExternalClass, .ExternalClass p, .ExternalClass span {line-height:100%;}\n\
        a:hover {text-decoration:underline;}\n\
        * {-webkit-text-size-adjust:none;}\n\
        @media only screen and (max-width:600px) {table[class=body] .wrapper \
        {width:100% !important; padding:0 !important;} td[class=\"hide\"] \
        {display:none !important;}}\n\
        --></style></head><body lang=EN-GB link=\"#0563C1\" vlink=\"#954F72\">\
        <div class=WordSection1><p class=MsoNormal><b>Full name:</b> Sam Example<o:p></o:p></p>\
        <p class=MsoNormal><b>Consent to referral:</b> <span style='color:#1F497D'>Yes</span></p>\
        <p class=MsoNormal><b>Referrer email:</b> <a href=\"mailto:a@example.com\">\
        <span style='color:#0563C1'>a@example.com</span></a></p>\
        <p style=\"color: -webkit-link; font-size: -webkit-xxx-large\">Thank you</p>\
        </div></body></html>";
    let (lines, doubtful) = html_renderings(html);
    assert_eq!(doubtful, None, "{lines}");
    let v = values(html);
    assert_eq!(v[&Field::Consent], "Yes");
    assert_eq!(v[&Field::ReferrerEmail], "a@example.com");
}

#[test]
fn rules_testing_the_class_or_id_attribute_are_evaluated() {
    let html = "<style>@media only screen and (max-width:600px) {\
        td[class=\"hide\"] {display:none !important;}\
        table[class=body] .fine {width:100% !important;}}\
        [class~=gone] {display:none;} p[id^=draft] {display:none;}</style>\
        <table class=body><tr><td class=hide>Consent to referral: No</td></tr>\
        <tr><td class=\"fine\">Full name</td><td>Sam Example</td></tr></table>\
        <p class=\"x gone\">Consent to referral: No</p><p id=draft-1>Consent to referral: No</p>\
        <p id=form class=\"hide-not\">Consent to referral: Yes</p>";
    let (lines, doubtful) = html_renderings(html);
    assert_eq!(doubtful, None, "{lines}");
    let v = values(html);
    assert_eq!(v[&Field::Consent], "Yes");
    assert_eq!(v[&Field::FullName], "Sam Example");
    // Another attribute's test is not evaluated: what it may hide is in
    // doubt.
    let html = "<style>td[title=x] {display:none}</style>\
        <table><tr><td>Full name</td><td>Sam Example</td></tr></table>";
    assert!(html_renderings(html).1.is_some());
}

#[test]
fn a_colour_set_inside_text_filled_transparent_leaves_it_unseen() {
    // Safari and Chrome draw the fill over the colour, whatever it is.
    let html = no_above_yes(
        "<div style=\"-webkit-text-fill-color:transparent\">\
            <p style=\"color:#000\">Consent to referral: No</p></div>",
    );
    assert_eq!(html_to_lines(&html), "Consent to referral: Yes\n");
    // A colour set inside a transparent one is seen.
    let html = "<div style=\"color:transparent\"><p style=\"color:#000\">\
        Consent to referral: No</p></div>";
    assert_eq!(values(html)[&Field::Consent], "No");
}

/// The consent a message's HTML gives, read as the gateway reads a body.
fn struck_consent(html: &str) -> Option<String> {
    let (lines, _) = form_lines(html);
    crate::core::form::read_struck_form(&lines)
        .values
        .get(&Field::Consent)
        .cloned()
}

#[test]
fn a_struck_through_option_in_the_body_is_not_chosen() {
    let unreadable = Some(crate::core::form::UNREADABLE.to_string());
    for (html, consent) in [
        ("<p>Consent to referral: Yes / <s>No</s></p>", Some("Yes")),
        (
            "<p>Consent to referral: <strike>Yes</strike> / No</p>",
            Some("No"),
        ),
        (
            "<p>Consent to referral: Yes / <del>No</del></p>",
            Some("Yes"),
        ),
        (
            r#"<p>Consent to referral: Yes / <span style="text-decoration: line-through">No</span></p>"#,
            Some("Yes"),
        ),
        (
            r#"<p>Consent to referral: <span style="TEXT-DECORATION-LINE:line-through underline"><b>Yes</b></span> / No (delete as appropriate)</p>"#,
            Some("No"),
        ),
        // By a rule of the style sheet.
        (
            r#"<style>.gone { text-decoration: line-through }</style><p>Consent to referral: Yes / <span class="gone">No</span></p>"#,
            Some("Yes"),
        ),
        (
            "<table><tr><td>Consent to referral</td><td>Yes / <s>No</s></td></tr></table>",
            Some("Yes"),
        ),
    ] {
        assert_eq!(struck_consent(html).as_deref(), consent, "{html}");
    }
    // Both struck: no answer; a style taking the line off: not struck.
    assert_eq!(
        struck_consent("<p>Consent to referral: <s>Yes</s> / <s>No</s></p>"),
        unreadable
    );
    assert_ne!(
        struck_consent(
            r#"<p>Consent to referral: Yes / <s style="text-decoration:none">No</s></p>"#
        )
        .as_deref(),
        Some("Yes")
    );
    // A strike mark typed into the message strikes nothing.
    assert_eq!(
        struck_consent("<p>Consent to referral: Yes / &#xFDD1;No&#xFDD2;</p>"),
        unreadable
    );
    // Lines read for anything else than the form carry no marks.
    assert_eq!(html_to_lines("<p>Yes / <s>No</s></p>"), "Yes / No\n");
}

#[test]
fn a_table_nested_in_an_answer_s_cell_is_part_of_the_answer() {
    // A date in a table of its own, options with their boxes in another.
    let html = "<table><tr><td>Full name</td><td>Daniel Marsh</td></tr>\
        <tr><td>Date of birth</td><td><table><tr><td>14/07/1988</td></tr></table></td></tr>\
        <tr><td>Consent to referral</td><td><table><tr><td>Yes</td><td>X</td></tr>\
        <tr><td>No</td><td></td></tr></table></td></tr>\
        <tr><td>Prison number</td><td>A1234BC</td></tr></table>";
    let lines = html_to_lines(html);
    assert!(lines.contains("Date of birth\t14/07/1988\n"), "{lines:?}");
    assert!(
        lines.contains("Consent to referral\tYes\u{1f}X\u{1f}No\u{1f}\n"),
        "{lines:?}"
    );
    assert!(lines.contains("Prison number\tA1234BC\n"), "{lines:?}");
    // A table in a cell beside anything but a label is layout: its rows
    // are the form's own.
    let html = "<table><tr><td>Menu</td><td><table><tr><td>Full name</td>\
        <td>Daniel Marsh</td></tr><tr><td>Date of birth</td><td>14/07/1988</td></tr>\
        </table></td></tr></table>";
    let lines = html_to_lines(html);
    assert!(lines.contains("Full name\tDaniel Marsh\n"), "{lines:?}");
    assert!(lines.contains("Date of birth\t14/07/1988\n"), "{lines:?}");
}

#[test]
fn a_notes_column_its_header_names_is_no_part_of_the_answers() {
    let html = "<table><tr><th>Question</th><th>Answer</th><th>Notes</th></tr>\
        <tr><td>Full name</td><td>Daniel Marsh</td><td>Known as Danny</td></tr>\
        <tr><td>Consent to referral</td><td>Yes</td><td>not to his GP</td></tr>\
        </table>";
    let lines = html_to_lines(html);
    assert!(lines.contains("Full name\tDaniel Marsh\n"), "{lines:?}");
    // The consent answer keeps what is written beside it.
    assert!(
        lines.contains("Consent to referral\tYes\u{1f}not to his GP\n"),
        "{lines:?}"
    );
    // Without such a header, every cell is the row's.
    let html = "<table><tr><td>Full name</td><td>Daniel</td><td>Marsh</td></tr></table>";
    assert!(html_to_lines(html).contains("Full name\tDaniel\u{1f}Marsh"));
}

#[test]
fn a_style_written_again_hides_or_shows_as_it_did_the_first_time() {
    // More distinct styles than are kept, then the first ones again: each
    // reads as it did, whether remembered or read afresh.
    let mut html =
        String::from("<p style='display:none'>Hidden 0</p><p style='color:#111111'>Shown 0</p>");
    for i in 1..40 {
        html.push_str(&format!("<p style='margin-left:{i}px'>Line {i}</p>"));
    }
    html.push_str("<p style='display:none'>Hidden 1</p><p style='color:#111111'>Shown 1</p>");
    html.push_str("<p style='margin-left:39px;display:none'>Hidden 2</p><p style='margin-left:39px'>Shown 2</p>");
    let lines = html_to_lines(&html);
    for shown in ["Shown 0", "Shown 1", "Shown 2", "Line 1", "Line 39"] {
        assert!(lines.contains(shown), "{shown}: {lines}");
    }
    assert!(!lines.contains("Hidden"), "{lines}");
}
