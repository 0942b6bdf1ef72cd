"""``station photo capture``: take the applicant's photo from a camera or a file, check it, crop
it to the ID-photo format and write the JPEG; and ``bench_camera`` for ``station bench camera``.

OpenCV and the camera drivers are imported inside the functions, so that other commands start
without them.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from station.cli.context import Context
from station.errors import DeviceError, StationError
from station.i18n import _

if TYPE_CHECKING:
    from station.photo import Analysis, CapturedPhoto

# A ``devices.camera.Camera``; the core reaches devices only through the ``devices`` factory
# (STYLE.md), so it is typed loosely here.
Camera = Any

DEFAULT_TIMEOUT = 10.0


def register(sub: Any) -> None:
    p = sub.add_parser("photo", help=_("the applicant's photo"))
    psub = p.add_subparsers(dest="photo_command", metavar=_("ACTION"))
    c = psub.add_parser(
        "capture",
        help=_(
            "take a photo from a camera or a video/picture file, check it and crop it to the "
            "ID-photo format (358 × 441, under 30 KB)"
        ),
    )
    c.add_argument(
        "--source",
        metavar="DEVICE|FILE",
        help=_(
            "camera index (0), device (/dev/video0), video or picture file, or 'sim'; default: "
            "the setting camera.device, else 0"
        ),
    )
    c.add_argument("--out", metavar="FILE.jpg", required=True, help=_("where to write the JPEG"))
    c.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=_("give up after this many seconds without a photo that passes every check"),
    )
    c.add_argument(
        "--force",
        action="store_true",
        help=_("when no frame passes, keep the best one anyway (marked override)"),
    )
    c.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help=_("print one JSON document on stdout"),
    )
    c.set_defaults(func=cmd_photo_capture)


# -- choosing the camera ------------------------------------------------------------------------
def _configured(ctx: Context) -> dict[str, str]:
    """The station's camera settings when a session can be opened without asking anything."""
    user = getattr(ctx.args, "user", None) or os.environ.get("STATION_USER")
    if not user or "STATION_PASSWORD" not in os.environ:
        return {}
    if not ctx.station().exists():
        return {}
    settings: dict[str, str] = ctx.session().settings_map()
    return {k: v for k, v in settings.items() if k.startswith("camera.")}


def open_camera(config: dict[str, str], source: str | None, **overrides: Any) -> Camera:
    """The configured camera, or the OpenCV driver on ``source`` (``sim``: the simulator)."""
    from devices import open_device

    config = dict(config)
    if source is not None:
        config["camera.driver"] = "sim" if source == "sim" else "opencv"
        config["camera.device"] = source
    return open_device("camera", config, **overrides)


def make_camera(ctx: Context | None, source: str | None) -> Camera:
    config = _configured(ctx) if (source is None and ctx is not None) else {}
    if source is None and not config:
        source = "0"
    return open_camera(config, source)


# -- taking the photo ---------------------------------------------------------------------------
def _fewer_problems(a: Analysis, b: Analysis | None) -> bool:
    """Is ``a`` a better frame to keep than ``b`` (a face first, then fewer failed checks)?"""
    if b is None:
        return True
    if (a.face is None) != (b.face is None):
        return a.face is not None
    return len(a.problems) < len(b.problems)


def take_photo(
    camera: Camera, timeout: float = DEFAULT_TIMEOUT, force: bool = False, hold: float = 0.5
) -> CapturedPhoto:
    """Open ``camera``, analyse its frames until every check has passed for ``hold`` seconds,
    and return the captured photo. Raises ``DeviceError``: the camera's own error, or
    ``photo_rejected`` (with the reasons, and the best analysis in ``.analysis``) when no frame
    passed within ``timeout`` and ``force`` is off."""
    from station import photo

    camera.open()
    camera.start()
    try:
        auto = photo.AutoCapture(hold)
        deadline = time.monotonic() + timeout
        seen = 0
        best: tuple[Any, Analysis] | None = None
        while True:
            left = deadline - time.monotonic()
            got = camera.wait_frame(seen, timeout=max(0.0, min(left, 1.0)))
            if got is None:
                if camera.ended or time.monotonic() >= deadline:
                    break
                if camera.error is not None and not camera.running:
                    raise camera.error
                continue
            seen, frame = got
            # A picture file is judged by whether the crop fits, not by the live guide oval.
            analysis = photo.analyse(frame, still=getattr(camera, "kind", "") == "image")
            if best is None or _fewer_problems(analysis, best[1]):
                best = (frame, analysis)
            if auto.feed(analysis, time.monotonic()):
                return photo.capture(frame, analysis)
            if getattr(camera, "kind", "") == "image" and not analysis.ok:
                break  # a still picture will not get better
            if time.monotonic() >= deadline:
                break
    finally:
        camera.close()
    if best is None:
        raise camera.error or DeviceError(
            "no_frames", _("The camera sent no picture within {s:g} s", s=timeout)
        )
    if force:
        return photo.capture(best[0], best[1])
    err = DeviceError(
        "photo_rejected",
        _("No picture passed the checks: {reasons}", reasons="; ".join(best[1].reasons)),
    )
    err.analysis = best[1]  # type: ignore[attr-defined]
    raise err


def cmd_photo_capture(ctx: Context, args: argparse.Namespace) -> int:
    from station.fsutil import atomic_write

    out = Path(args.out)
    if not out.parent.is_dir():
        raise StationError(
            "cannot_write", _("The folder {folder} does not exist", folder=out.parent)
        )
    camera = make_camera(ctx, args.source)
    try:
        shot = take_photo(camera, args.timeout, args.force)
    except DeviceError as exc:
        analysis = getattr(exc, "analysis", None)
        if ctx.json and analysis is not None:
            ctx.emit(
                {
                    **exc.to_json(),
                    "face": analysis.face_json(),
                    "checks": [c.to_json() for c in analysis.checks],
                }
            )
        raise
    try:
        atomic_write(out, shot.jpeg)
    except OSError as exc:
        raise StationError(
            "cannot_write",
            _("Cannot write {file}: {why}", file=out.name, why=exc.strerror or type(exc).__name__),
        ) from exc
    result = {"out": str(out), **shot.to_json()}
    human = _(
        "Photo written to {out} ({n} bytes, SHA-256 {sha})",
        out=out,
        n=len(shot.jpeg),
        sha=shot.sha256[:16],
    )
    if shot.override:
        human += "\n" + _("Taken although checks failed:") + "\n  " + "\n  ".join(shot.reasons)
    ctx.emit(result, human)
    return 0


# -- benchmark ----------------------------------------------------------------------------------
def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def bench_camera(seconds: float = 10.0, source: str | None = None) -> dict[str, Any]:
    """Frames per second analysed (face detection and every check) while the camera runs at
    640×480 (the simulated camera at 30 frames/s without ``source``), and the capture-to-JPEG
    time and size."""
    import cv2

    from station import photo

    # The simulator at 30 frames/s, as a common webcam; a file plays at its own rate.
    camera = open_camera({}, source or "sim", width=640, height=480, fps=30, loop=True)
    camera.open()
    camera.start()
    analyse_ms: list[float] = []
    frames: list[Any] = []
    try:
        seen = 0
        first = camera.frames_seen
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            got = camera.wait_frame(seen, timeout=2.0)
            if got is None:
                if camera.ended or camera.error is not None:
                    break
                continue
            seen, frame = got
            t = time.perf_counter()
            photo.analyse(frame)
            analyse_ms.append((time.perf_counter() - t) * 1000)
            if len(frames) < 20:
                frames.append(frame)
        elapsed = time.perf_counter() - t0
        grabbed = camera.frames_seen - first
    finally:
        camera.close()
    if not frames:
        raise camera.error or DeviceError(
            "no_frames", _("The camera sent no picture within {s:g} s", s=seconds)
        )
    capture_ms: list[float] = []
    sizes: list[int] = []
    for frame in frames:
        t = time.perf_counter()
        shot = photo.capture(frame)
        capture_ms.append((time.perf_counter() - t) * 1000)
        sizes.append(len(shot.jpeg))
    mean = sum(analyse_ms) / len(analyse_ms)
    height, width = frames[0].shape[:2]
    return {
        "source": camera.source,
        "frame": f"{width}x{height}",
        "seconds": round(elapsed, 2),
        "camera_fps": round(grabbed / elapsed, 1),
        "analysed_fps": round(len(analyse_ms) / elapsed, 1),
        "analyse_ms_mean": round(mean, 2),
        "analyse_ms_p95": round(_percentile(analyse_ms, 0.95), 2),
        "analysis_capacity_fps": round(1000 / mean, 1) if mean else None,
        "capture_ms_mean": round(sum(capture_ms) / len(capture_ms), 2),
        "capture_ms_p95": round(_percentile(capture_ms, 0.95), 2),
        "jpeg_bytes_max": max(sizes),
        "jpeg_bytes_mean": round(sum(sizes) / len(sizes)),
        "cpus": os.cpu_count(),
        "opencv_threads": cv2.getNumThreads(),
    }
