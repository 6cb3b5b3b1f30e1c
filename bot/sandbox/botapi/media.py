"""Files and media: uploads (multipart, ``attach://``, a known ``file_id``), the JSON Telegram gives
for documents and photos, ``InputMedia`` objects (albums, media edits) and ``getFile``."""

from __future__ import annotations

import io
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.sandbox.botapi.limits import MAX_CAPTION, MAX_DOWNLOAD, MAX_PHOTO_UPLOAD, MAX_UPLOAD
from bot.sandbox.botapi.records import BotApiError, StoredFile, UploadedFile, bad_request
from bot.sandbox.botapi.registry import method
from bot.sandbox.botapi.text import formatted

if TYPE_CHECKING:
    from bot.sandbox.botapi.fake import FakeBotApi

# The media kinds this server stores and shows; audio, video and animations are not simulated.
KINDS = {"document": ("documents", MAX_UPLOAD), "photo": ("photos", MAX_PHOTO_UPLOAD)}


def file_json(stored: StoredFile, *, with_name: bool = True) -> dict[str, Any]:
    """The ``Document`` (or, without the name, ``PhotoSize`` base) JSON of a stored file."""
    out: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                           "file_size": stored.size}
    if with_name and stored.filename:
        out["file_name"] = stored.filename
    if with_name and stored.mime_type:
        out["mime_type"] = stored.mime_type
    return out


def photo_sizes(stored: StoredFile) -> list[dict[str, Any]]:
    """``PhotoSize`` array of a picture: a thumbnail when it is large, then the full size."""
    try:
        from PIL import Image

        with Image.open(io.BytesIO(stored.content)) as img:
            width, height = img.size
    except Exception as err:  # any decoder failure is what Telegram reports as this
        raise bad_request("IMAGE_PROCESS_FAILED") from err
    sizes = []
    scale = min(1.0, 90 / max(width, height, 1))
    if scale < 1.0:
        sizes.append({**file_json(stored, with_name=False), "width": max(1, int(width * scale)),
                      "height": max(1, int(height * scale))})
    sizes.append({**file_json(stored, with_name=False), "width": width, "height": height})
    return sizes


def resolve_upload(fake: FakeBotApi, value: Any, files: Mapping[str, UploadedFile], *, field: str,
                   kind: str, limit: int, direct: bool = True) -> StoredFile:
    """The file a parameter names: a multipart part under the parameter's own name ``field`` (when
    ``direct``), ``attach://<part>``, or a known ``file_id``; a new upload is stored."""
    upload = files.get(field) if direct else None
    if isinstance(value, str) and value.startswith("attach://"):
        upload = files.get(value[len("attach://"):])
        if upload is None:
            raise bad_request(f"file {value} not found")
    if upload is not None:
        if not upload.content:
            raise bad_request("file must be non-empty")
        if len(upload.content) > limit:
            raise BotApiError(413, "Request Entity Too Large")
        mime = upload.mime_type
        if not mime or mime == "application/octet-stream":
            mime = (mimetypes.guess_type(upload.filename or "")[0] if upload.filename else None) or mime
        return fake.store_file(upload.content, kind=kind, filename=upload.filename, mime_type=mime)
    if isinstance(value, str) and value:
        stored = fake.file(value)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored
    raise bad_request(f"there is no {field} in the request")


@dataclass(frozen=True)
class InputMedia:
    """One checked ``InputMediaDocument`` / ``InputMediaPhoto``: the file, its caption and entities."""

    kind: str  # "document" or "photo"
    file: StoredFile
    caption: str | None
    caption_entities: list[dict[str, Any]]
    sizes: list[dict[str, Any]] | None  # PhotoSize array of a photo


def input_media(fake: FakeBotApi, item: Any, files: Mapping[str, UploadedFile]) -> InputMedia:
    """Check and resolve one ``InputMedia`` object of ``sendMediaGroup`` / ``editMessageMedia``."""
    if not isinstance(item, dict):
        raise bad_request("can't parse InputMedia: object expected")
    kind = item.get("type")
    if kind in ("audio", "video", "animation"):
        raise bad_request(f"InputMedia of type {kind} is not supported by this local server")
    if kind not in KINDS:
        raise bad_request("can't parse InputMedia: media type is not specified or unsupported")
    if item.get("media") in (None, ""):
        raise bad_request("can't parse InputMedia: media not found")
    caption, entities = formatted(item, "caption", "caption_entities", MAX_CAPTION, required=False)
    folder, limit = KINDS[kind]
    stored = resolve_upload(fake, item.get("media"), files, field="media", kind=folder, limit=limit,
                            direct=False)
    return InputMedia(kind, stored, caption, entities, photo_sizes(stored) if kind == "photo" else None)


def media_json(media: InputMedia) -> dict[str, Any]:
    """The Message fields that carry the media (``document`` or ``photo``, caption)."""
    out: dict[str, Any] = ({"document": file_json(media.file)} if media.kind == "document"
                           else {"photo": media.sizes})
    if media.caption is not None:
        out["caption"] = media.caption
        if media.caption_entities:
            out["caption_entities"] = media.caption_entities
    return out


@method("getFile")
def _get_file(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    stored = fake.file(str(params.get("file_id") or ""))
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.size > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": stored.size,
            "file_path": stored.file_path}
