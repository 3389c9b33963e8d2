"""Names shared by the redaction modules: the languages, and the kinds of removed passage."""

from __future__ import annotations

from typing import Final

#: The languages of the reporting form, as ISO 639-1 codes.
SUPPORTED_LANGUAGES: Final[tuple[str, ...]] = (
    "en",
    "es",
    "fr",
    "pt",
    "ar",
    "ro",
    "uk",
    "ti",
    "so",
    "fa",
)

DOCUMENT_NUMBER: Final = "document_number"
IMMIGRATION_STATUS: Final = "immigration_status"
COUNTRY_OF_BIRTH: Final = "country_of_birth"
NATIONALITY: Final = "nationality"
#: The scanner itself failed, so the whole text was withheld (fail closed, I9).
UNSCANNED: Final = "unscanned"

#: Most specific first: when passages of different kinds overlap, the merged passage
#: takes the first kind in this order.
KINDS: Final[tuple[str, ...]] = (
    UNSCANNED,
    DOCUMENT_NUMBER,
    IMMIGRATION_STATUS,
    COUNTRY_OF_BIRTH,
    NATIONALITY,
)
