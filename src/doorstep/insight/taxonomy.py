"""Themes: what customers complain about, in both languages, and the journey stage each belongs to.

A taxonomy is a list of themes, each with Chinese and English cues and the
stages it points to. Every workspace may keep its own (``Workspace.taxonomy``,
edited as YAML or JSON); without one, :func:`default_taxonomy` covers food
delivery, B2B SaaS onboarding and a few general themes. The default lives in
``data/taxonomy_default.yaml``, which documents the file format.

A theme records a complaint, not any mention: "不凉" or "not late" are no
temperature or timeliness complaint (see ``doorstep.insight.analysis``). Drivers
then compare the NPS of customers who complained about a theme with the rest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Any

import yaml

from doorstep.deliveries.stage_names import canonical_key
from doorstep.errors import DoorstepError, ImportFailed, InvalidInput, Problem

KEY_RE = re.compile(r"^[a-z0-9_]{1,64}$")
FIELDS = (
    "key", "name_en", "name_zh", "stages", "cues_zh", "cues_en", "negative_only", "exclude", "praise_zh", "praise_en",
    "subject_topics", "stage_by_timing",
)
TOPIC_PREFIX = "?"  # a cue that counts only in a negative clause
NUMBER_SIGN = "#"  # in a cue: a number ("took # days", "卡了#天")


@dataclass(frozen=True)
class Theme:
    key: str
    name_en: str
    name_zh: str
    stages: tuple[str, ...]  # stage keys, in order of preference
    cues_zh: tuple[str, ...]
    cues_en: tuple[str, ...]
    negative_only: bool = False  # every cue counts only when its clause is negative
    exclude: tuple[str, ...] = ()  # look-alikes that are not this theme ("凉皮", "cold brew")
    # What a satisfied customer says of it ("准时", "still hot"): praise, and, negated ("不及时",
    # "wasn't hot"), a complaint of the theme.
    praise_zh: tuple[str, ...] = ()
    praise_en: tuple[str, ...] = ()
    # Its topic words are often only the subject of another complaint ("the driver was late"
    # is about timeliness, not the driver's manner): they count only in a clause with no other
    # complaint, or with a negative word of its own ("the driver was rude and late").
    subject_topics: bool = False
    # A complaint about time in general ("arrived three days late", "太慢了") names no step:
    # the answer goes to the step the delivery's timing blames, and to the theme's own stage
    # only when its timing blames none (doorstep.insight.attribution).
    stage_by_timing: bool = False


@dataclass(frozen=True)
class Taxonomy:
    themes: tuple[Theme, ...]

    @cached_property
    def by_key(self) -> dict[str, Theme]:
        return {theme.key: theme for theme in self.themes}

    def stage_for(self, theme_key: str, journey_stage_keys: Sequence[str]) -> str | None:
        """The first of the theme's stages that the journey has, or None — by key, else by the
        usual name of the journey's stage: a journey keyed "送达" or "Delivered" has the
        theme's "delivered" (doorstep.deliveries.stage_names.canonical_key). Returns the
        journey's own key."""
        theme = self.by_key.get(theme_key)
        if theme is None:
            return None
        present = {key: key for key in journey_stage_keys}
        for key in journey_stage_keys:
            if (usual := canonical_key(key)) is not None:
                present.setdefault(usual, key)
        return next((present[stage] for stage in theme.stages if stage in present), None)

    def stage_keys(self) -> tuple[str, ...]:
        """Every stage some theme names, in first-mention order (a journey when none is known)."""
        seen: dict[str, None] = {}
        for theme in self.themes:
            seen.update(dict.fromkeys(theme.stages))
        return tuple(seen)


# -- building and checking -------------------------------------------------------------


class _Checker:
    """Collects every problem of a taxonomy document, each with its line when known."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, message: str, line: int | None, field: str | None = None) -> None:
        self.problems.append(Problem(message, line, field))


def _strings(value: Any, where: str, line: int | None, check: _Checker) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        check.add("must be a list of strings", line, where)
        return ()
    out: list[str] = []
    for item in value:
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            item = str(item)
        if not isinstance(item, str) or not item.strip() or item.strip() == TOPIC_PREFIX:
            check.add(f"must be a list of non-empty strings (got {item!r})", line, where)
            continue
        out.append(item.strip())
    return tuple(out)


def _theme(raw: Any, line: int | None, lines: dict[str, int], check: _Checker, seen: set[str]) -> Theme | None:
    if not isinstance(raw, dict):
        check.add("each theme must be a mapping with key, names, stages and cues", line)
        return None
    before = len(check.problems)
    for name in raw:
        if name not in FIELDS:
            check.add(f"unknown field (expected one of: {', '.join(FIELDS)})", lines.get(str(name), line), str(name))
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_RE.match(key):
        check.add("a theme needs a key of 1–64 lowercase letters, digits or '_'", lines.get("key", line), "key")
        key = "?"
    elif key in seen:
        check.add(f"theme '{key}' is defined twice", lines.get("key", line), "key")
    seen.add(key)

    def text(field: str, default: str) -> str:
        value = raw.get(field, default)
        if not isinstance(value, str) or not value.strip():
            check.add("must be a non-empty string", lines.get(field, line), field)
            return default
        return value.strip()

    name_en = text("name_en", key.replace("_", " ").capitalize())
    name_zh = text("name_zh", name_en)
    stages = _strings(raw.get("stages"), "stages", lines.get("stages", line), check)
    cues_zh = _strings(raw.get("cues_zh"), "cues_zh", lines.get("cues_zh", line), check)
    cues_en = _strings(raw.get("cues_en"), "cues_en", lines.get("cues_en", line), check)
    exclude = _strings(raw.get("exclude"), "exclude", lines.get("exclude", line), check)
    praise_zh = _strings(raw.get("praise_zh"), "praise_zh", lines.get("praise_zh", line), check)
    praise_en = _strings(raw.get("praise_en"), "praise_en", lines.get("praise_en", line), check)
    for field, praise in (("praise_zh", praise_zh), ("praise_en", praise_en)):
        if any(p.startswith(TOPIC_PREFIX) for p in praise):
            check.add("praise has no topic words: remove the leading '?'", lines.get(field, line), field)
    negative_only = raw.get("negative_only", False)
    if not isinstance(negative_only, bool):
        check.add("must be true or false", lines.get("negative_only", line), "negative_only")
        negative_only = False
    subject_topics = raw.get("subject_topics", False)
    if not isinstance(subject_topics, bool):
        check.add("must be true or false", lines.get("subject_topics", line), "subject_topics")
        subject_topics = False
    stage_by_timing = raw.get("stage_by_timing", False)
    if not isinstance(stage_by_timing, bool):
        check.add("must be true or false", lines.get("stage_by_timing", line), "stage_by_timing")
        stage_by_timing = False
    for field, cues in (("cues_zh", cues_zh), ("cues_en", cues_en)):
        if any(not cue.removeprefix(TOPIC_PREFIX).replace(NUMBER_SIGN, "").strip() for cue in cues):
            check.add(f"a cue needs words besides '{NUMBER_SIGN}' (a number)", lines.get(field, line), field)
    if not cues_zh and not cues_en:
        check.add(f"theme '{key}' has no cues: give cues_zh and/or cues_en", line, "cues_zh")
    if len(check.problems) > before:
        return None
    return Theme(
        key, name_en, name_zh, stages, cues_zh, cues_en, negative_only, exclude, praise_zh, praise_en, subject_topics,
        stage_by_timing,
    )


def _failed(problems: list[Problem], source: str) -> ImportFailed:
    """ImportFailed (it carries every problem), worded for a taxonomy rather than rows."""
    err = ImportFailed(problems, source=source)
    listed = "\n".join(f"  {p}" for p in problems)
    DoorstepError.__init__(err, f"{source}: {len(problems)} problem(s), the taxonomy was not loaded\n{listed}")
    return err


def _build(doc: Any, line_of: Any, source: str) -> Taxonomy:
    """Themes from a parsed document; ``line_of(path)`` gives a 1-based line or None."""
    check = _Checker()
    items = doc.get("themes") if isinstance(doc, dict) else doc
    if isinstance(doc, dict):
        for name in doc:
            if name != "themes":
                check.add("unknown top-level field (expected 'themes')", line_of((name,)), str(name))
    if not isinstance(items, list) or not items:
        check.add("a taxonomy is a mapping with a non-empty list 'themes'", line_of(("themes",)) or 1, "themes")
        raise _failed(check.problems, source)
    themes: list[Theme] = []
    seen: set[str] = set()
    for i, raw in enumerate(items):
        fields = raw if isinstance(raw, dict) else {}
        lines = {str(name): n for name in fields if (n := line_of(("themes", i, name))) is not None}
        theme = _theme(raw, line_of(("themes", i)), lines, check, seen)
        if theme is not None:
            themes.append(theme)
    if check.problems:
        raise _failed(check.problems, source)
    return Taxonomy(tuple(themes))


def _node_lines(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    """Line of every mapping key and sequence item, by path (("themes", 3, "stages"))."""
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            sub = (*path, key_node.value)
            out[sub] = key_node.start_mark.line + 1
            _node_lines(value_node, sub, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _node_lines(item, (*path, i), out)


def load_taxonomy(text: str, *, source: str = "taxonomy") -> Taxonomy:
    """A taxonomy from YAML or JSON text. Every problem names its line and field."""
    if not text.strip():
        raise InvalidInput(f"{source} is empty", line=1)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        doc = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = exc.problem or exc.context or "not valid YAML or JSON"
        raise InvalidInput(f"{source}: {reason}", line=line) from exc
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{source}: not valid YAML or JSON ({exc})") from exc
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _node_lines(node, (), lines)
    return _build(doc, lines.get, source)


def taxonomy_from_json(data: dict[str, Any] | None) -> Taxonomy:
    """The taxonomy stored in ``Workspace.taxonomy``; None means the default."""
    if data is None:
        return default_taxonomy()
    return _build(data, lambda _path: None, "workspace taxonomy")


def taxonomy_to_json(taxonomy: Taxonomy) -> dict[str, Any]:
    """What ``Workspace.taxonomy`` stores: plain JSON that :func:`taxonomy_from_json` reads back."""
    themes = []
    for t in taxonomy.themes:
        item: dict[str, Any] = {
            "key": t.key,
            "name_en": t.name_en,
            "name_zh": t.name_zh,
            "stages": list(t.stages),
            "cues_zh": list(t.cues_zh),
            "cues_en": list(t.cues_en),
        }
        if t.negative_only:
            item["negative_only"] = True
        if t.exclude:
            item["exclude"] = list(t.exclude)
        if t.praise_zh:
            item["praise_zh"] = list(t.praise_zh)
        if t.praise_en:
            item["praise_en"] = list(t.praise_en)
        if t.subject_topics:
            item["subject_topics"] = True
        if t.stage_by_timing:
            item["stage_by_timing"] = True
        themes.append(item)
    return {"themes": themes}


@cache
def default_taxonomy() -> Taxonomy:
    """Food delivery, B2B SaaS onboarding and general themes (``data/taxonomy_default.yaml``)."""
    text = resources.files("doorstep.insight").joinpath("data/taxonomy_default.yaml").read_text(encoding="utf-8")
    return load_taxonomy(text, source="taxonomy_default.yaml")


def dumps(taxonomy: Taxonomy) -> str:
    """The taxonomy as JSON text (``doorstep analyze`` prints it for editing)."""
    return json.dumps(taxonomy_to_json(taxonomy), ensure_ascii=False, indent=2)
