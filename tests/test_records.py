"""Records are built by `records.setting_init`, not the dataclass's own frozen `__init__`: the
same values, defaults and fresh default factories, and still frozen, comparable, hashable,
picklable and usable with `dataclasses.fields/asdict/replace`."""
from __future__ import annotations

import dataclasses
import pickle

import orjson

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import records
from pipeline.records import Activity, Entity, Quantity, Report, Section, Sentence

RECORD_TYPES = [records.Heading, Section, records.Furniture, records.Paragraph, Sentence,
                records.Token, Quantity, Entity, Activity, records.DocumentMeta, Report]


def _reference(record_type: type) -> type:
    """The same record as a plain frozen dataclass, with the `__init__` dataclasses write."""
    namespace = {"__annotations__": dict(record_type.__annotations__), "__module__": records.__name__}
    for f in dataclasses.fields(record_type):
        if f.default is not dataclasses.MISSING:
            namespace[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            namespace[f.name] = dataclasses.field(default_factory=f.default_factory)
    return dataclasses.dataclass(frozen=True, slots=True)(type(record_type.__name__, (records.Record,), namespace))


def _required(record_type: type) -> list[str]:
    return [f.name for f in dataclasses.fields(record_type)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]


values = st.one_of(st.none(), st.integers(-5, 5000), st.text(max_size=6), st.booleans(),
                   st.floats(allow_nan=False, width=32))


@pytest.mark.parametrize("record_type", RECORD_TYPES, ids=lambda kind: kind.__name__)
@given(data=st.data())
def test_fields_are_set_as_the_dataclass_init_sets_them(record_type, data):
    names = [f.name for f in dataclasses.fields(record_type)]
    given_names = _required(record_type) + data.draw(st.lists(st.sampled_from(names), unique=True))
    kwargs = {name: data.draw(values) for name in given_names}
    built, expected = record_type(**kwargs), _reference(record_type)(**kwargs)
    assert [getattr(built, name) for name in names] == [getattr(expected, name) for name in names]
    positional = [kwargs.get(name, getattr(expected, name)) for name in names]
    assert record_type(*positional) == built


@pytest.mark.parametrize("record_type", RECORD_TYPES, ids=lambda kind: kind.__name__)
def test_arguments_are_checked_as_the_dataclass_init_checks_them(record_type):
    with pytest.raises(TypeError):
        record_type()
    with pytest.raises(TypeError):
        record_type(**dict.fromkeys(_required(record_type)), no_such_field=1)


@pytest.mark.parametrize("record_type", RECORD_TYPES, ids=lambda kind: kind.__name__)
@given(data=st.data())
def test_a_record_as_a_dict_serialises_as_the_record_does(record_type, data):
    kwargs = {name: data.draw(values) for name in _required(record_type)}
    record = record_type(**kwargs)
    as_dict = records._dict_maker(record_type, True)(record)
    assert orjson.dumps(as_dict, default=records._plain_mapping) == \
        orjson.dumps(record, default=records._plain_mapping)
    assert list(as_dict) == [f.name for f in dataclasses.fields(record_type)]
    assert list(records._dict_maker(record_type, False)(record)) == \
        [f.name for f in dataclasses.fields(record_type) if f.name != records.AREA_SCORES]


def test_a_list_of_records_becomes_their_dicts_whatever_its_kinds():
    sentence, token = Sentence(0, "甲。", 0, 2, 0, 0), records.Token("甲", 0, 1)
    listed = records._as_dicts([sentence, token, "as it is", sentence], False)
    assert listed == [records._dict_maker(Sentence, False)(sentence), {"text": "甲", "start": 0, "end": 1},
                      "as it is", records._dict_maker(Sentence, False)(sentence)]
    assert records._as_dicts(["as it is", token], True) == ["as it is", {"text": "甲", "start": 0, "end": 1}]
    assert records._as_dicts((), True) == []


@pytest.mark.parametrize("record_type", RECORD_TYPES, ids=lambda kind: kind.__name__)
@pytest.mark.parametrize("area_scores", [False, True])
def test_a_list_of_records_serialises_as_its_records_do(record_type, area_scores):
    """The dicts of a list (attributes of an object, sharing their keys) hold the fields in order."""
    kwargs = {name: None for name in _required(record_type)}
    built = [record_type(**kwargs) for _ in range(3)]
    one_by_one = [records._dict_maker(record_type, area_scores)(record) for record in built]
    listed = records._as_dicts(built, area_scores)
    assert [list(found) for found in listed] == [list(found) for found in one_by_one]
    assert orjson.dumps(listed, default=records._plain_mapping) == \
        orjson.dumps(one_by_one, default=records._plain_mapping)


def test_a_default_factory_gives_each_record_its_own_value():
    first, second = Sentence(0, "甲。", 0, 2, 0, 0), Sentence(1, "乙。", 2, 4, 0, 0)
    assert first.area_scores == {} and first.area_scores is not second.area_scores


def test_records_stay_frozen_comparable_and_picklable():
    quantity = Quantity("3次", 4, 6, 3, "次", False, "count", sentence=1)
    # Built as its unfrozen twin, it leaves `__init__` as a Quantity again.
    assert type(quantity) is Quantity
    with pytest.raises(dataclasses.FrozenInstanceError):
        quantity.value = 4  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del quantity.unit  # type: ignore[misc]
    token = records.Token("甲", 0, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        token.end = 2  # type: ignore[misc]
    assert quantity == Quantity("3次", 4, 6, 3, "次", False, "count", sentence=1)
    assert hash(quantity) == hash(Quantity("3次", 4, 6, 3, "次", False, "count", sentence=1))
    assert pickle.loads(pickle.dumps(quantity)) == quantity
    assert dataclasses.replace(quantity, value=5).value == 5
    assert dataclasses.asdict(quantity)["unit"] == "次"
    assert repr(quantity).startswith("Quantity(text='3次', start=4, end=6, value=3,")


@pytest.mark.parametrize("declaration", [
    "x: int = field(default=0, init=False)",
    "x: int = field(default=0, kw_only=True)",
    "x: int = 0\n    def __post_init__(self): pass",
])
def test_a_dataclass_whose_init_does_more_than_set_fields_is_refused(declaration):
    namespace: dict = {"dataclass": dataclasses.dataclass, "field": dataclasses.field}
    exec(f"@dataclass(frozen=True, slots=True)\nclass Odd:\n    {declaration}\n", namespace)
    with pytest.raises(TypeError, match="Odd needs the dataclass's own"):
        records.setting_init(namespace["Odd"])


def test_replaced_is_dataclasses_replace_for_records():
    import dataclasses

    from pipeline.records import DocumentMeta, replaced

    meta = DocumentMeta(doc_id="a", source=None, sha256="0" * 64, encoding="utf-8", format="text", chars=3)
    assert replaced(meta, region="柳岸县", title="报告") == dataclasses.replace(meta, region="柳岸县", title="报告")
    assert replaced(meta) == meta and replaced(meta) is not meta
    with pytest.raises(TypeError, match="no field 'regoin'"):
        replaced(meta, regoin="x")
