"""The kinds of content people write and see: a case, a proposal, a comment, an incident, an alert.

One registry answers, for each kind, the questions other domains ask of it:

- how to load one by id (:attr:`Kind.load`, a 404 when there is none),
- who may see it (:attr:`Kind.can_view`),
- how it shows a person who appears on it (:meth:`Kind.person`: e.g. an anonymous
  reporter is "anonymous" to all but staff, on the case and on everything attached to it),
- what hiding it does (:attr:`Kind.on_visibility`: counts, and telling its live rooms),
- and, when the kind takes them, its comment rules (:class:`Commenting`), its moderation
  context (:attr:`Kind.describe`) and the photos it shows (:attr:`Kind.photos`).

Each domain registers its own kinds in its ``registrations.py`` (imported by the app
factory). Comments, moderation, notifications, live rooms and ``/media`` ask here and know
nothing of the domains themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from backend.errors import NotFound
from backend.ids import id_in_range

ANONYMOUS = "anonymous"

Check = Callable[[Any, Any], bool]  # (viewer, obj)


def anonymous_person() -> dict:
    """How someone who stays anonymous shows: no id, no role, the word "anonymous"."""
    return {"id": None, "display_name": ANONYMOUS, "role": None}


def display_name(shown) -> str | None:
    """The name of a person as :meth:`Kind.person` gives them (a User or a dict)."""
    if shown is None:
        return None
    return shown["display_name"] if isinstance(shown, dict) else shown.display_name


@dataclass(frozen=True)
class PhotoShowing:
    """A kind's :attr:`Kind.photos`: the ``model`` rows whose ``photo_model`` rows (with
    ``key`` and ``thumb_key``) hold a rendition."""

    model: type
    photo_model: type

    def __call__(self, session: Session, key: str) -> list:
        """The objects that show the rendition ``key``."""
        photo = self.photo_model
        shows = or_(photo.key == key, photo.thumb_key == key)
        return list(session.scalars(select(self.model).join(photo).where(shows)).unique())

    def in_use(self, session: Session, keys: Collection[str]) -> set[str]:
        """Which of ``keys`` some photo of this kind holds."""
        photo, wanted = self.photo_model, set(keys)
        rows = session.execute(
            select(photo.key, photo.thumb_key).where(
                or_(photo.key.in_(wanted), photo.thumb_key.in_(wanted))
            )
        )
        return {key for row in rows for key in row} & wanted


def showing_photo(model: type, photo_model: type) -> PhotoShowing:
    return PhotoShowing(model, photo_model)


def photo_keys_in_use(session: Session, keys: Collection[str]) -> set[str]:
    """Which of these rendition keys some kind's photos hold (the others show nothing)."""
    return set().union(*(k.photos.in_use(session, keys) for k in kinds() if k.photos))


def _never(_viewer, _obj) -> bool:
    return False


def _nothing(*_args, **_kwargs) -> None:
    return None


@dataclass(frozen=True)
class Commenting:
    """What a kind allows of comments on it."""

    can_comment: Check
    can_write_internal: Check = _never
    can_read_internal: Check | None = None  # None: whoever may write internal notes
    on_comment: Callable[..., None] = _nothing  # (session, obj, comment, actor) once added
    count_changed: Callable[..., None] = _nothing  # (session, obj, delta) a public one left
    # True: ``on_comment`` announces a new comment in the kind's own live event (a case's
    # ``comment`` event carries it), so comments send no ``<kind>.comment`` frame for it and
    # each listener hears of it once. Edits, deletions and moderation still go as those.
    announces_new: bool = False

    def may_read_internal(self, viewer, obj) -> bool:
        return (self.can_read_internal or self.can_write_internal)(viewer, obj)


@dataclass(frozen=True)
class Kind:
    name: str
    model: type
    load: Callable[[Session, int], Any]  # (session, id) -> obj; raises NotFound
    can_view: Check  # (viewer, obj)
    # (session, id) -> a light stand-in for the object with only what ``can_view`` (and the
    # kind's other access rules) read, in one small query: for checks that need nothing else,
    # such as joining a live room. Raises NotFound. None: ``load`` it.
    access: Callable[[Session, int], Any] | None = None
    # (obj, person, viewer) -> the person (a User) or a dict standing in for them;
    # None: people show as they are
    shows_person: Callable[[Any, Any, Any], Any] | None = None
    on_visibility: Callable[..., None] = _nothing  # (session, obj, hidden) after hide/restore
    # moderation: (obj, viewer) -> context for moderators; None: it cannot be flagged
    describe: Callable[[Any, Any], dict] | None = None
    is_new_content: Callable[[], ColumnElement[bool]] | None = None  # "new" in the queue
    # the column holding the author's user id: whom hiding it tells, and (in the queue)
    # which content comes from new accounts
    author_column: Callable[[], ColumnElement] | None = None
    commenting: Commenting | None = None
    # (session, media key) -> the objects of this kind that show that photo rendition
    photos: PhotoShowing | None = None
    # Official content (incidents, alerts): flags go to the queue but never hide it by
    # themselves (a flood of flags must not silence a real warning); only admins decide.
    official: bool = False
    # the model's timestamps: when it was written and last changed (the queue's "since")
    created_attr: str = "created_at"
    changed_attr: str = "updated_at"

    def get(self, session: Session, obj_id) -> Any:
        """The object, or a 404 (without checking who may see it)."""
        if not id_in_range(obj_id):
            raise NotFound(f"No {self.name} {obj_id}.")
        return self.load(session, obj_id)

    def author_id(self, obj) -> int | None:
        """The id of who wrote ``obj`` (from :attr:`author_column`), or None."""
        return None if self.author_column is None else getattr(obj, self.author_column().key)

    def person(self, obj, person, viewer):
        """How ``person`` shows to ``viewer`` on ``obj`` (see :attr:`shows_person`)."""
        if self.shows_person is None or person is None:
            return person
        return self.shows_person(obj, person, viewer)

    def visible(self, session: Session, obj_id, viewer, *, light: bool = False) -> Any:
        """The object if ``viewer`` may see it, else a 404 (hidden content does not leak).
        ``light``: its :attr:`access` stand-in, when the kind has one."""
        if light and self.access is not None:
            if not id_in_range(obj_id):
                raise NotFound(f"No {self.name} {obj_id}.")
            obj = self.access(session, obj_id)
        else:
            obj = self.get(session, obj_id)
        if not self.can_view(viewer, obj):
            raise NotFound(f"No {self.name} {obj_id}.")
        return obj


_kinds: dict[str, Kind] = {}


def register(name: str, *, model: type, load, can_view: Check, **rules) -> Kind:
    """Declare a kind of content. Registering the same name again replaces its rules."""
    entry = Kind(name=name, model=model, load=load, can_view=can_view, **rules)
    _kinds[name] = entry
    return entry


def kind(name: str) -> Kind:
    try:
        return _kinds[name]
    except KeyError:
        raise NotFound(f"There is no content called '{name}'.") from None


def kinds() -> list[Kind]:
    return [_kinds[name] for name in sorted(_kinds)]


def commentable(name: str) -> tuple[Kind, Commenting]:
    entry = _kinds.get(name)
    if entry is None or entry.commenting is None:
        raise NotFound(f"Nothing called '{name}' takes comments.")
    return entry, entry.commenting


def moderated(name: str) -> Kind:
    entry = _kinds.get(name)
    if entry is None or entry.describe is None:
        raise NotFound(f"'{name}' cannot be moderated.")
    return entry


def moderated_kinds() -> list[Kind]:
    return [k for k in kinds() if k.describe is not None]
