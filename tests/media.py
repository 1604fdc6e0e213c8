"""Real media files for the tests, made with PyAV (never downloaded): a tiny WebM (VP9 video and
Opus sound) so that duration probing and byte ranges run on a genuine file."""

import functools
import io
import math
import struct
from fractions import Fraction

import av

WIDTH, HEIGHT, FPS, RATE = 64, 48, 5, 48000


def _frame(n: int, total: int) -> av.VideoFrame:
    """A plain frame whose colour moves from blue to red as the video plays."""
    frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
    share = n / max(1, total - 1)
    for plane, value in zip(
        frame.planes, (96, int(200 - 120 * share), int(60 + 160 * share)), strict=True
    ):
        plane.update(bytes([value]) * plane.buffer_size)
    frame.pts, frame.time_base = n, Fraction(1, FPS)
    return frame


def _tone(n: int, samples: int) -> av.AudioFrame:
    """A 440 Hz tone, 16-bit mono."""
    start = n * samples
    data = b"".join(
        struct.pack("<h", int(6000 * math.sin(2 * math.pi * 440 * (start + i) / RATE)))
        for i in range(samples)
    )
    frame = av.AudioFrame(format="s16", layout="mono", samples=samples)
    frame.planes[0].update(data)
    frame.sample_rate, frame.pts, frame.time_base = RATE, start, Fraction(1, RATE)
    return frame


@functools.cache
def real_video(seconds: int = 3) -> bytes:
    """A real WebM of ``seconds`` seconds (64x48, 5 frames a second, a 440 Hz tone); cached for
    the session, so each length is encoded once."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="webm") as container:
        video = container.add_stream("libvpx-vp9", rate=FPS)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.options = {"deadline": "realtime", "cpu-used": "8"}
        audio = container.add_stream("libopus", rate=RATE, layout="mono")
        total = seconds * FPS
        for n in range(total):
            container.mux(video.encode(_frame(n, total)))
        samples = 960
        for n in range(seconds * RATE // samples):
            container.mux(audio.encode(_tone(n, samples)))
        container.mux(video.encode(None))
        container.mux(audio.encode(None))
    return buffer.getvalue()
