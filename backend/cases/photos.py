"""A case's photo rows, over the files :mod:`backend.media.uploads` prepared."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.cases.models import Case, CasePhoto
from backend.media.processing import ProcessedImage
from backend.media.storage import Storage
from backend.media.uploads import store_file, stored_renditions


def store_photos(
    session: Session,
    storage: Storage,
    images: list[ProcessedImage],
    case: Case,
    *,
    kind: str,
    uploaded_by: int | None,
    event_id: int | None = None,
) -> list[CasePhoto]:
    photos = []
    for image in images:
        large, thumb = stored_renditions(image)
        photo = CasePhoto(
            event_id=event_id,
            kind=kind,
            key=store_file(session, storage, large.data),
            thumb_key=store_file(session, storage, thumb.data),
            width=large.width,
            height=large.height,
            uploaded_by_id=uploaded_by,
        )
        case.photos.append(photo)
        photos.append(photo)
    session.flush()
    return photos
