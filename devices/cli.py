"""The devices' commands: ``station card read|endorse`` (the card readers) and ``station photo
capture`` (the camera), with the ``card`` and ``camera`` benchmarks. Registered through the
``station.commands`` entry-point group, so that the core never imports this layer.

Drivers, OpenCV and pyscard are imported inside the handlers, so that other commands start
without them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from typing import TYPE_CHECKING, Any

from station.cli.context import Context, output_path, writing
from station.cli.parser import group
from station.errors import DeviceError
from station.i18n import _

if TYPE_CHECKING:
    from station.photo import Analysis, CapturedPhoto

Camera = Any  # a ``devices.camera.Camera`` (drivers differ; typed loosely here)

DEFAULT_TIMEOUT = 10.0


def register(sub: Any) -> None:
    register_card(sub)
    register_photo(sub)
    register_bench(sub)


def register_card(sub: Any) -> None:
    csub = group(sub, "card", _("ID cards and residence-permit cards"))
    p = csub.add_parser(
        "read",
        help=_(
            "read the card presented: --reader names a PC/SC reader (permit card), --port a serial "
            "port (ID card); without either, the readers configured for this station"
        ),
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--reader", metavar="NAME", help=_("PC/SC reader (permit card)"))
    where.add_argument("--port", metavar="DEVICE", help=_("serial port (ID card reader)"))
    p.add_argument(
        "--wait",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help=_("seconds to wait for a card (default 10), then exit 5"),
    )
    p.set_defaults(func=cmd_read)
    p = csub.add_parser(
        "endorse",
        help=_(
            "write this year's endorsement to the permit card on the reader and record it "
            "(exit 4 when the year is already endorsed)"
        ),
    )
    p.add_argument("--year", type=int, required=True)
    p.add_argument(
        "--reader",
        metavar="NAME",
        help=_("PC/SC reader (default: the setting permit.reader or the first one)"),
    )
    p.add_argument("--wait", type=float, default=10.0, metavar="SECONDS")
    p.set_defaults(func=cmd_endorse)


def register_photo(sub: Any) -> None:
    psub = group(sub, "photo", _("the applicant's photo"))
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
    c.set_defaults(func=cmd_photo_capture)


def register_bench(sub: Any) -> None:
    from station.cli.bench import benchmarks, command

    bench = benchmarks(sub)
    p = bench.add_parser(
        "card", help=_("ID-card reads (serial) and permit-card reads (PC/SC), timed")
    )
    p.add_argument("--reader", help=_("PC/SC reader for the card benchmark"))
    p.add_argument("--port", help=_("serial port for the card benchmark"))
    p.set_defaults(func=command(lambda a: _bench_card(a.reader, a.port)))
    p = bench.add_parser(
        "camera", help=_("frames analysed per second, capture-to-JPEG time and size")
    )
    p.add_argument("--source", help=_("camera source for the camera benchmark"))
    p.add_argument("--seconds", type=float, default=10.0, help=_("duration (camera)"))
    p.set_defaults(func=command(lambda a: bench_camera(a.seconds, a.source)))


def _bench_card(reader: str | None, port: str | None) -> dict[str, Any]:
    from devices import bench_card

    return bench_card(reader=reader, port=port)


def _settings(ctx: Context) -> dict[str, str]:
    if ctx.has_operator():
        settings: dict[str, str] = ctx.session().settings_map()
        return settings
    return {}


def _summary(doc: dict[str, Any]) -> str:
    person = doc.get("person") or {}
    from station.record import mask_id

    lines = [f"{person.get('name', '')}  {mask_id(person.get('id_number'))}"]
    if "permit" in doc:
        years = [str(e["year"]) for e in doc["permit"].get("endorsements", [])]
        lines.append(
            _(
                "permit {number}, endorsed: {years}",
                number=doc["permit"].get("number"),
                years=", ".join(years) or "-",
            )
        )
    return "\n".join(lines)


def cmd_read(ctx: Context, args: argparse.Namespace) -> int:
    import devices
    from devices.idcard import IdCardReader
    from devices.permit import PermitCardReader

    reader: IdCardReader | PermitCardReader
    if args.port:
        reader = devices.open_device("idreader", {}, driver="serial", port=args.port)
    elif args.reader:
        reader = devices.open_device("permit", {}, driver="pcsc", reader=args.reader)
    else:
        settings = _settings(ctx)
        kind = (
            "idreader"
            if settings.get("idreader.port") or settings.get("idreader.driver") == "sim"
            else "permit"
        )
        reader = devices.open_device(kind, settings)
    try:
        doc = reader.read(wait=args.wait)
    finally:
        reader.close()
    card = dict(doc.get("card") or {})
    card.pop("wlt", None)  # the chip's photo stays out of the printed document
    if card:
        doc["card"] = card
    ctx.emit(doc, _summary(doc))
    return 0


def cmd_endorse(ctx: Context, args: argparse.Namespace) -> int:
    import devices
    from station.desk import endorse_outcome

    store = ctx.session()
    store.require("endorse")
    key = store.endorse_key()
    settings = store.settings_map()
    overrides: dict[str, Any] = {}
    if args.reader:
        overrides = {"driver": "pcsc", "reader": args.reader}
    reader = devices.open_device("permit", settings, **overrides)
    today = dt.date.today()
    try:
        checked = reader.read(wait=args.wait)
        store.settle_endorsements(checked)
        store.begin_endorsement(checked, args.year, today)
        try:
            card = reader.endorse(
                args.year,
                store.station_code,
                key,
                today,
                wait=args.wait,
                expect_permit=checked["permit"].get("number"),
            )
        except DeviceError as exc:
            store.finish_endorsement(checked, args.year, endorse_outcome(exc))
            raise
    finally:
        reader.close()
    store.finish_endorsement(card, args.year, "done")
    recorded = {"year": args.year, "station": store.station_code, "date": today.isoformat()}
    ctx.emit(
        {"endorsed": recorded, **card},
        _("Endorsed for {year}", year=args.year) + "\n" + _summary(card),
    )
    return 0


# -- choosing the camera ------------------------------------------------------------------------
def _configured(ctx: Context) -> dict[str, str]:
    """The station's camera settings when a session can be opened without asking anything."""
    if not ctx.has_operator() or "STATION_PASSWORD" not in os.environ:
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

    out = output_path(args.out)
    camera = make_camera(ctx, args.source)
    try:
        shot = take_photo(camera, args.timeout, args.force)
    except DeviceError as exc:
        analysis = getattr(exc, "analysis", None)
        if ctx.json and analysis is not None:  # the error with what each check found
            ctx.emit(
                {
                    **exc.to_json(),
                    "face": analysis.face_json(),
                    "checks": [c.to_json() for c in analysis.checks],
                }
            )
        raise
    with writing(out):
        atomic_write(out, shot.jpeg)
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
