"""The product of the pipeline: immutable records, each pointing back into the source text.

Every record with `start`/`end` obeys `report.text[start:end] == record.text` (for activities,
`.text`; their `name` is the quote-stripped form). Offsets are Python string indices into the
decoded input, end exclusive. Records are plain data: `to_dict()` gives what the JSON Schema in
`pipeline/schema/report.schema.json` describes.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from functools import lru_cache
from operator import attrgetter
from typing import Any, TypeVar

SCHEMA_VERSION = "2.0"
#: Fields of sections and sentences written only when asked for (`include_area_scores`): nine
#: scores a record were a sixth of an indented report (17% with its text, 19% without it), and
#: `area_confidence` holds the one that decided its area.
AREA_SCORES = "area_scores"
_RecordType = TypeVar("_RecordType", bound=type)


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _plain_mapping(value: Any) -> Any:
    """orjson's fallback for what it does not know natively: read-only and other mappings."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def setting_init(record_type: _RecordType) -> _RecordType:
    """Give a frozen, slotted dataclass an `__init__` that stores its slots as an unfrozen one does.

    The dataclass's own frozen `__init__` calls `object.__setattr__` once per field, which looks
    the slot up by name each time; calling each slot's descriptor instead still cost some 700
    instructions a field (a `Quantity`, 14 fields: 10.9 thousand). A plain `self.x = x` is
    specialised by the interpreter to a store into the slot (about 65), but only for a class
    whose attribute setting is `object`'s, and a frozen one's raises. So the instance is made an
    instance of an unfrozen twin (a subclass adding no slots and no `__setattr__` of its own), its
    slots are stored, and it is made the record's class again: two `__class__` assignments, about
    1,500 instructions, for a `Sentence` 4.3 thousand in all. A record of three fields or fewer
    keeps the descriptors, which cost less there. Signature, defaults and default factories are
    the dataclass's; assigning to a field afterwards still raises `FrozenInstanceError`, as the
    dataclass's `__setattr__` is left as it is."""
    unsupported = [f.name for f in fields(record_type) if not f.init or f.kw_only]
    if unsupported or hasattr(record_type, "__post_init__"):
        raise TypeError(f"setting_init writes a plain positional __init__; {record_type.__name__} "
                        f"needs the dataclass's own ({unsupported or '__post_init__'})")
    as_twin = len(fields(record_type)) > _LEAST_FIELDS_AS_TWIN
    namespace: dict[str, Any] = {"_MISSING": MISSING, "_set_class": _set_class, "_record_type": record_type,
                                 "_twin": _unfrozen_twin(record_type) if as_twin else None}
    parameters, lines = [], []
    for f in fields(record_type):
        value = f.name
        if f.default is not MISSING:
            namespace[f"_default_{f.name}"] = f.default
            parameters.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not MISSING:
            parameters.append(f"{f.name}=_MISSING")
            # An empty dict or list by its display: calling `dict` cost 440 instructions, `{}` a tenth.
            made = _EMPTY_DISPLAYS.get(f.default_factory)
            if made is None:
                namespace[f"_factory_{f.name}"] = f.default_factory
                made = f"_factory_{f.name}()"
            value = f"{made} if {f.name} is _MISSING else {f.name}"
        else:
            parameters.append(f.name)
        if as_twin:
            lines.append(f"    self.{f.name} = {value}\n")
        else:
            namespace[f"_set_{f.name}"] = record_type.__dict__[f.name].__set__
            lines.append(f"    _set_{f.name}(self, {value})\n")
    if as_twin:
        # Back from the twin by a plain store, which the twin's own attribute setting allows
        # (a third cheaper than the descriptor's wrapper); the way there must pass the frozen
        # `__setattr__`.
        lines = ["    _set_class(self, _twin)\n", *lines, "    self.__class__ = _record_type\n"]
    exec(f"def __init__(self, {', '.join(parameters)}):\n{''.join(lines)}", namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{record_type.__qualname__}.__init__"
    record_type.__init__ = init  # type: ignore[misc]
    return record_type


#: Up to this many fields, setting each slot through its descriptor costs less than the twin's
#: two `__class__` assignments.
_LEAST_FIELDS_AS_TWIN = 3
#: The factories whose product is written as a display in a generated `__init__`.
_EMPTY_DISPLAYS: dict[Any, str] = {dict: "{}", list: "[]"}
#: `_set_class(instance, kind)`: `instance.__class__ = kind`, past a frozen `__setattr__`.
_set_class = object.__dict__["__class__"].__set__


def _unfrozen_twin(record_type: type) -> type:
    """A subclass of `record_type` with its slots and `object`'s attribute setting: an instance
    of either may become the other (`__class__` assignment needs the same slots)."""
    return type(record_type.__name__, (record_type,), {
        "__slots__": (), "__setattr__": object.__setattr__, "__delattr__": object.__delattr__,
        "__module__": record_type.__module__, "__qualname__": f"{record_type.__qualname__}.unfrozen"})


#: `new_tuple(Kind, fields)`: a named tuple of `fields`, made without calling `Kind`, whose
#: `__new__` is a Python function: the stages make their many small candidates (readings, pieces,
#: proposals) this way, at a fraction of the cost (0.3 us less a proposal).
new_tuple = tuple.__new__


_Record = TypeVar("_Record", bound="Record")


def replaced(record: _Record, **changes: Any) -> _Record:
    """`dataclasses.replace(record, **changes)` for a record with a plain positional `__init__`
    (`setting_init`): its fields read in one call and passed in order, without `replace`'s tests
    of each field's kind (some 600 bytecodes a call, a tenth of the entities stage on a
    one-sentence report, which replaces the metadata's region)."""
    kind: Any = type(record)
    positions, read = _field_reader(kind)
    values = list(read(record))
    for name, value in changes.items():
        if name not in positions:
            raise TypeError(f"{kind.__name__} has no field {name!r}")
        values[positions[name]] = value
    return kind(*values)


@lru_cache(maxsize=None)
def _field_reader(record_type: type) -> tuple[dict[str, int], Callable[[Any], tuple[Any, ...]]]:
    """Each field's position, and a function reading all fields at once."""
    names = [f.name for f in fields(record_type)]
    read = attrgetter(*names) if len(names) > 1 else (lambda record: (getattr(record, names[0]),))
    return {name: position for position, name in enumerate(names)}, read


class Record:
    """Mixin: dataclass records serialise field by field, in declaration order."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


@setting_init
@dataclass(frozen=True, slots=True)
class Heading(Record):
    text: str
    start: int
    end: int
    level: int
    numbering: str | None = None


@setting_init
@dataclass(frozen=True, slots=True)
class Section(Record):
    id: int
    heading: Heading | None
    level: int
    parent: int | None
    start: int
    end: int
    area: str = "general"
    area_scores: Mapping[str, float] = field(default_factory=dict)


@setting_init
@dataclass(frozen=True, slots=True)
class Furniture(Record):
    """A line that is not the report's content: `byline`, `word_count`, `caption`, `timestamp`
    or `subtitle`. It stays in the text and is in no sentence."""

    kind: str
    text: str
    start: int
    end: int


@setting_init
@dataclass(frozen=True, slots=True)
class Paragraph(Record):
    id: int
    start: int
    end: int
    section: int


@setting_init
@dataclass(frozen=True, slots=True)
class Sentence(Record):
    id: int
    text: str
    start: int
    end: int
    section: int
    paragraph: int
    area: str = "general"
    area_scores: Mapping[str, float] = field(default_factory=dict)
    #: The combined score of `area` (see `pipeline/stages/classify.py`); None before classify runs.
    area_confidence: float | None = None


@setting_init
@dataclass(frozen=True, slots=True)
class Token(Record):
    text: str
    start: int
    end: int


@setting_init
@dataclass(frozen=True, slots=True)
class Quantity(Record):
    text: str
    start: int
    end: int
    value: float | int | None
    unit: str | None
    approx: bool
    kind: str
    low: float | int | None = None
    high: float | int | None = None
    bound: str | None = None
    object: str | None = None
    verb: str | None = None
    sentence: int | None = None
    role: str = "figure"


@setting_init
@dataclass(frozen=True, slots=True)
class Entity(Record):
    text: str
    start: int
    end: int
    label: str
    canonical: str | None = None
    normalized: str | None = None
    sentence: int | None = None
    code: str | None = None
    level: str | None = None


@setting_init
@dataclass(frozen=True, slots=True)
class Activity(Record):
    name: str
    text: str
    start: int
    end: int
    kind: str = "activity"
    count: float | int | None = None
    count_unit: str | None = None
    organiser: str | None = None
    sentence: int | None = None


@setting_init
@dataclass(frozen=True, slots=True)
class DocumentMeta(Record):
    doc_id: str
    source: str | None
    sha256: str
    encoding: str
    format: str
    chars: int
    title: str | None = None
    region: str | None = None
    year: int | None = None
    issuer: str | None = None
    title_source: str | None = None
    year_source: str | None = None
    region_source: str | None = None
    issuer_source: str | None = None
    year_delivered: int | None = None
    region_code: str | None = None
    region_level: str | None = None
    metadata: dict | None = None
    inferred: dict | None = None


@setting_init
@dataclass(frozen=True, slots=True)
class Report(Record):
    """One processed report. `text` is the decoded input every offset points into."""

    document: DocumentMeta
    text: str
    sections: tuple[Section, ...]
    paragraphs: tuple[Paragraph, ...]
    sentences: tuple[Sentence, ...]
    tokens: tuple[Token, ...] | None = None
    quantities: tuple[Quantity, ...] = ()
    entities: tuple[Entity, ...] = ()
    activities: tuple[Activity, ...] = ()
    summary: Mapping[str, Any] | None = None
    furniture: tuple[Furniture, ...] = ()
    pipeline_version: str = ""
    #: The area model's and the data files' hashes (`pipeline.provenance`).
    provenance: Mapping[str, Any] | None = None
    schema_version: str = SCHEMA_VERSION

    def _fields(self, include_text: bool, include_area_scores: bool) -> dict[str, Any]:
        """Top-level fields in output order. Each record in a record list becomes the dict of its
        fields (sections' and sentences' area scores only when asked for); every other value,
        those dicts' values included, is left as it is."""
        data: dict[str, Any] = {"schema_version": self.schema_version,
                                "pipeline_version": self.pipeline_version,
                                "provenance": self.provenance}
        for f in fields(self):
            if f.name in data or (f.name == "text" and not include_text):
                continue
            if f.name == "tokens" and self.tokens is None:
                continue
            data[f.name] = getattr(self, f.name)
        for name in RECORD_LISTS:
            if name in data:
                data[name] = _as_dicts(data[name], include_area_scores)
        return data

    def to_dict(self, *, include_text: bool = True,
                include_area_scores: bool = False) -> dict[str, Any]:
        """What the JSON holds; sections' and sentences' `area_scores` only when asked for."""
        return {name: _plain(value)
                for name, value in self._fields(include_text, include_area_scores).items()}

    def to_frames(self) -> dict[str, Any]:
        """This report as the six corpus tables (pandas DataFrames; see `docs/tables.md`)."""
        from .frames import to_frames

        return to_frames([self])

    def to_json(self, *, indent: bool = False, include_text: bool = True,
                include_area_scores: bool = False) -> str:
        """The JSON of `to_dict()`, but orjson walks the values itself (records left in them are
        dataclasses, serialised field by field like `Record.to_dict`): several times faster."""
        import orjson

        option = orjson.OPT_INDENT_2 if indent else 0
        return orjson.dumps(self._fields(include_text, include_area_scores), option=option,
                            default=_plain_mapping).decode()


#: The fields of a report that list records (records with offsets; `pipeline.schema` checks them).
RECORD_LISTS = ("sections", "paragraphs", "sentences", "tokens", "quantities", "entities", "activities",
                "furniture")


def _as_dicts(records: Iterable[Any], area_scores: bool) -> list[Any]:
    """Each record as the dict of its fields (`_dict_maker`); what is not a record as it is. A
    list's records are all of one kind as the stages make them, so the first one's kind picks a
    function written for it (`_dicts_maker`)."""
    for first in records:
        kind: Any = type(first)
        return _dicts_maker(kind, area_scores)(records)
    return []


def _as_dict(item: Any, area_scores: bool) -> Any:
    """A record as the dict of its fields; anything else as it is."""
    kind: Any = type(item)
    return _dict_maker(kind, area_scores)(item) if isinstance(item, Record) else item


@lru_cache(maxsize=None)
def _dicts_maker(kind: type, area_scores: bool) -> Callable[[Iterable[Any]], list[Any]]:
    """A function giving a list's items each as `_as_dict` does, written for `kind`, without a
    call per record (the JSON step's records 3.2 -> 2.9 M instructions a bundled pass). A
    record's dict is the `__dict__` of a plain object given its fields as attributes, always in
    the same order: such objects share one table of keys (PEP 412), so each attribute is stored
    without hashing its key into a table of its own, and the dict that `__dict__` makes takes over
    the stored values (2.9 -> 2.3 M, and 311 -> 275 us a pass for the dicts and their JSON; the
    same bytes). An item of another kind goes to `_as_dict`."""
    namespace: dict[str, Any] = {"_kind": kind, "_as_dict": _as_dict, "_area_scores": area_scores}
    if not issubclass(kind, Record):
        return lambda items: [_as_dict(item, area_scores) for item in items]
    namespace["_Fields"] = type(f"{kind.__name__}Fields", (), {})
    stores = "".join(f"            fields.{name} = {value}\n"
                     for name, value in _field_entries(kind, area_scores, "item").items())
    exec("def dicts(items):\n"
         "    found = []\n"
         "    for item in items:\n"
         "        if type(item) is _kind:\n"
         "            fields = _Fields()\n"
         f"{stores}"
         "            found.append(fields.__dict__)\n"
         "        else:\n"
         "            found.append(_as_dict(item, _area_scores))\n"
         "    return found\n", namespace)
    return namespace["dicts"]


@lru_cache(maxsize=None)
def _dict_maker(record_type: type, area_scores: bool) -> Callable[[Any], dict[str, Any]]:
    """A function giving a record's fields as a dict, in order, values as they are (`area_scores`
    only if asked for): `{"text": record.text, "start": record.start, ...}`, generated as
    dataclasses generate their methods. orjson walks a dict several times faster than a slotted
    dataclass (for each one it asks for a `__dict__` and clears the error, then reads every
    field's type), and making the dict costs less than that: the JSON of the bundled reports
    took a fifth less time, of the government reports 29% less (measured in one process,
    alternating with the records left to orjson)."""
    return dict_display(["record"], _field_entries(record_type, area_scores, "record"))


def _field_entries(record_type: type, area_scores: bool, record: str) -> dict[str, str]:
    """Each field's name -> its value read from the variable `record` (`area_scores` only if
    asked for)."""
    return {f.name: f"{record}.{f.name}" for f in fields(record_type) if area_scores or f.name != AREA_SCORES}


def dict_display(parameters: list[str], entries: Mapping[str, str]) -> Callable[..., dict[str, Any]]:
    """A function of `parameters` returning the dict of `entries` (key -> the Python expression
    of its value, in the parameters), written as one dict display: the dict is built sized at
    once, where `dict(zip(...))` makes a pair per value and grows the dict."""
    namespace: dict[str, Any] = {}
    display = ", ".join(f"{key!r}: {value}" for key, value in entries.items())
    exec(f"def display({', '.join(parameters)}):\n    return {{{display}}}\n", namespace)
    return namespace["display"]
