"""Load and validate YAML content into a Snapshot; every problem is `path:line: message`.

The parts: yaml_reader (the safe YAML reader and its line-keeping mappings), files (where
content lives), entries (one entry and its rules), regions, translations (the languages
laid over the entries), and directory (a content folder read whole). Everything used
elsewhere is importable from here, as it was when the loader was one module.
"""

from knowledge.loader.directory import (
    ContentError,
    load_directory,
    load_or_raise,
    topics_unused,
)
from knowledge.loader.entries import (
    CONTACT_KEYS,
    ENTRY_KEYS,
    ID_RE,
    LANG_RE,
    LANGUAGE_NAMES,
    MAX_BODY,
    MAX_TITLE,
    MIN_KEYWORDS,
    PHONE_RE,
    REFERRAL_FLAG_KEYS,
    REFERRAL_KEYS,
    TEXT_KEYS,
    WEBSITE_RE,
    _EntryReader,
    check_entry,
    describe,
    read_referral,
)
from knowledge.loader.files import (
    DEFAULT_CONTENT_DIR,
    ORDER_FILE,
    REGIONS_FILE,
    TRANSLATIONS_DIR,
    WORDS_FILE,
    _shown,
    content_files,
)
from knowledge.loader.regions import REGION_RE
from knowledge.loader.translations import missing_translations
from knowledge.loader.yaml_reader import (
    MAX_FILE_BYTES,
    USUAL_CAUSES,
    Problem,
    _Map,
    _read_yaml,
    _Seq,
    read_yaml,
    syntax_hint,
)

__all__ = [
    "CONTACT_KEYS",
    "DEFAULT_CONTENT_DIR",
    "ENTRY_KEYS",
    "ID_RE",
    "LANGUAGE_NAMES",
    "LANG_RE",
    "MAX_BODY",
    "MAX_FILE_BYTES",
    "MAX_TITLE",
    "MIN_KEYWORDS",
    "ORDER_FILE",
    "PHONE_RE",
    "REFERRAL_FLAG_KEYS",
    "REFERRAL_KEYS",
    "REGIONS_FILE",
    "REGION_RE",
    "TEXT_KEYS",
    "TRANSLATIONS_DIR",
    "USUAL_CAUSES",
    "WEBSITE_RE",
    "WORDS_FILE",
    "ContentError",
    "Problem",
    "_EntryReader",
    "_Map",
    "_Seq",
    "_read_yaml",
    "_shown",
    "check_entry",
    "content_files",
    "describe",
    "load_directory",
    "load_or_raise",
    "missing_translations",
    "read_referral",
    "read_yaml",
    "syntax_hint",
    "topics_unused",
]
