"""A composed line as HTML: one non-wrapping block whose spacing is explicit.

`letter-spacing: X` adds X after every glyph cluster of a box. The line carries the even
inter-character spacing X; a halted mark is `<span class="h">` (OpenType `halt`, ½ em); a
Latin word or number, and a dash/ellipsis pair that shapes as two glyphs, is a
`<span class="w">` with letter-spacing 0 (never stretched inside) whose margins carry the
Han–Latin gap and the spacing after it; a stretched word space is a span of its own.
"""

from __future__ import annotations

import html
import unicodedata

from typeset.compose import Box, Line
from typeset.system import fonts


def line_html(line: Line) -> str:
    """The line as a `span.ln` block: its size, letter-spacing and indent, then its boxes.

    Fewer boxes are less for WeasyPrint to lay out (measured: the inline spans of the halted
    marks were a fifth of a page's layout time). So when every mark of a line is halted, `halt`
    is the line's (`.ln.h`): it changes only the marks, and the marks are all halted."""
    style = f"font-size:{_pt(line.size_pt)};letter-spacing:{_pt(line.spacing)}"
    if line.indent:
        style += f";padding-left:{_pt(line.indent)}"
    halted = _all_marks_halted(line)
    inner = "".join(_box_html(b, line.role, line.spacing, halted) for b in line.boxes)
    return f'<span class="ln r-{line.role}{" h" if halted else ""}" style="{style}">{inner}</span>'


def _all_marks_halted(line: Line) -> bool:
    """A halted box in the line, and no punctuation or symbol outside the halted boxes (Latin
    words keep their own span); and no letter-spacing, which Pango spreads a little differently
    over one run than over a run split at the marks (measured: up to 0.04 pt)."""
    return not line.spacing and any(b.halt for b in line.boxes) and not any(
        not b.halt and not b.word and any(unicodedata.category(ch)[0] in "PS" for ch in b.text) for b in line.boxes)


def _pt(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") + "pt"


def _box_html(box: Box, line_role: str, spacing: float, line_halted: bool = False) -> str:
    text = html.escape(box.text, quote=False)
    classes = []
    if box.role != line_role:
        classes.append(f"r-{box.role}")
    if box.halt and not line_halted:
        classes.append("h")
    if box.word and (spacing or box.extra or box.margin_left):    # else .w (letter-spacing 0) changes nothing
        classes.append("w")
    style = []
    after = spacing + (box.extra or 0.0)
    if box.extra is not None and not box.word:
        style.append(f"letter-spacing:{_pt(after)}")
    if box.margin_left:
        style.append(f"margin-left:{_pt(box.margin_left)}")
    if box.word and after:
        style.append(f"margin-right:{_pt(after)}")
    if not classes and not style:
        return text
    attrs = f' class="{" ".join(classes)}"' if classes else ""
    attrs += f' style="{";".join(style)}"' if style else ""
    return f"<span{attrs}>{text}</span>"


def _line_css() -> str:
    """The lines' CSS: a line is one non-wrapping block on the grid; a role is a font family."""
    rules = [
        ".ln { display: block; white-space: pre; height: var(--pitch); line-height: var(--pitch);"
        " text-indent: 0; text-align: left; word-spacing: 0; font-style: normal;"
        " font-kerning: normal; overflow: visible; }",
        ".ln.h, .ln .h { font-feature-settings: \"halt\"; }",
        ".ln .w { letter-spacing: 0; }",
    ]
    for key, role in fonts.role_map().items():
        rules.append(f'.r-{key} {{ font-family: "{role.family}"; font-weight: {role.weight}; }}')
    return "\n".join(rules)


LINE_CSS: str = _line_css()
