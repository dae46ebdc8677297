"""One-line text for what ONS is sent: nothing a researcher typed may start a new line (and so a
new record) in the instructions, nor hide or reorder what is shown.

The characters refused are the C0 and C1 controls (CR, LF, NUL, tab...), the Unicode line and
paragraph separators, the bidirectional embeddings, overrides and isolates (U+202A to U+202E,
U+2066 to U+2069) and the zero-width characters (U+200B to U+200F, U+2060, U+FEFF)."""

import re
import unicodedata

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
#: Of those, the ones that separate words: they become a space rather than vanish.
_SEPARATORS = re.compile("[\t\n\x0b\x0c\r\x1c-\x1f\x85\u2028\u2029]")


# TODO(text-policy): the lead's shared one-line cleaner (core.text) replaces this function at merge.
def _one_line(value) -> str:
    """``value`` as one clean line, for values the system writes: line breaks and tabs become a
    space, the other unsafe characters are removed, runs of spaces shrink to one, NFC."""
    text = "" if value is None else str(value)
    text = _UNSAFE.sub("", _SEPARATORS.sub(" ", text))
    return unicodedata.normalize("NFC", " ".join(text.split()))


def one_line_escaped(value) -> str:
    """``value`` on one line with every unsafe character shown as a visible escape (CR as
    ``\\u000d``), for text a person reads: an oddity is seen, not acted on."""
    text = "" if value is None else str(value)
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", unicodedata.normalize("NFC", text))
