"""Demo video lessons: short real videos made here at set-up (never downloaded or copied).

Each is a WebM (VP9 video, Opus sound) drawn frame by frame with Pillow: a title card with the
lesson's title and speaker (in a Chinese font when fontconfig finds one, else plain shapes), a
moving progress bar, a time counter, and a soft sine tone. They are stored through the lesson's
file field and measured by ``courses.services.lesson_save``, like an upload in the admin.
"""

import io
import math
import shutil
import subprocess
from decimal import Decimal
from fractions import Fraction

import av
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw, ImageFont

from courses.models import Cohort, HourBand, Lesson, Program
from courses.services import lesson_save, program_hour_bands_changed

WIDTH, HEIGHT, FPS, RATE = 480, 270, 10, 48000
RED, DARK, PAPER, GOLD = (178, 34, 34), (120, 20, 20), (250, 246, 240), (222, 184, 96)

# (title, speaker, seconds, theory, description)
DEMO_LESSONS = [
    (
        "学习贯彻习近平新时代中国特色社会主义思想",
        "张明 教授",
        75,
        True,
        "系统学习党的创新理论的核心要义、精神实质和实践要求，结合高校实际谈学用结合。",
    ),
    (
        "发展党员工作流程与规范",
        "李华 副研究员",
        65,
        False,
        "按照《中国共产党发展党员工作细则》，讲解从入党申请到预备党员转正的5个阶段25个步骤。",
    ),
    (
        "党支部“三会一课”规范",
        "王芳 组织员",
        60,
        False,
        "支部党员大会、支部委员会、党小组会和党课的召开要求、记录规范与常见问题。",
    ),
    (
        "新时代高校党建工作的使命任务",
        "陈立 教授",
        50,
        True,
        "围绕立德树人根本任务，阐述新时代高校党建工作的新要求。",
    ),
]

# Demo bands for demo-length videos. Real programs use e.g. a lesson of ≥30 minutes = 1 hour and
# 15–30 minutes = 0.5 hour; here a minute of video stands for such a lesson, so the demo shows
# hours earned: ≥1 minute = 0.5 hour (the 50-second lesson reaches no band and earns none).
DEMO_BANDS = [(1, Decimal("0.5")), (2, Decimal("1.0"))]


def cjk_font_path() -> str | None:
    """A font file with Chinese glyphs, as fontconfig finds it (fonts-noto-cjk), or None."""
    if shutil.which("fc-match") is None:
        return None
    try:
        found = subprocess.run(  # noqa: S603 - a fixed command, no user input
            ["fc-match", "-f", "%{file}", ":lang=zh-cn"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    if not found or not any(mark in found for mark in ("CJK", "cjk", "WenQuanYi", "wqy", "Droid")):
        return None
    return found


def _font(path: str | None, size: int):
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    return None


def _title_card(title: str, speaker: str, number: int) -> Image.Image:
    """The still part of every frame."""
    card = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, WIDTH, 54), fill=RED)
    draw.rectangle((0, 54, WIDTH, 58), fill=GOLD)
    draw.ellipse((WIDTH - 64, 8, WIDTH - 24, 48), outline=GOLD, width=3)
    path = cjk_font_path()
    big, small = _font(path, 22), _font(path, 15)
    if big is not None and small is not None:
        draw.text((20, 14), "高校基层党务工作者培训", font=big, fill=PAPER)
        lines = [title[i : i + 18] for i in range(0, len(title), 18)]
        for row, line in enumerate(lines[:3]):
            draw.text((24, 84 + row * 32), line, font=big, fill=DARK)
        draw.text((24, 84 + len(lines[:3]) * 32 + 8), f"主讲：{speaker}", font=small, fill=DARK)
        draw.text((24, 84 + len(lines[:3]) * 32 + 30), f"第 {number} 讲", font=small, fill=RED)
    else:  # no Chinese font: shapes stand for the text
        for row in range(3):
            draw.rectangle((24, 88 + row * 30, 24 + 300 - row * 70, 106 + row * 30), fill=DARK)
        draw.rectangle((24, 190, 24 + 30 * number, 200), fill=RED)
    return card


def _frames(card: Image.Image, seconds: int):
    total = seconds * FPS
    small = _font(cjk_font_path(), 14) or ImageFont.load_default()
    for n in range(total):
        frame = card.copy()
        draw = ImageDraw.Draw(frame)
        elapsed = n / FPS
        left = 24
        right = WIDTH - 24
        draw.rectangle((left, HEIGHT - 34, right, HEIGHT - 26), fill=(225, 215, 205))
        done = left + int((right - left) * (n + 1) / total)
        draw.rectangle((left, HEIGHT - 34, done, HEIGHT - 26), fill=RED)
        stamp = f"{int(elapsed) // 60:02d}:{int(elapsed) % 60:02d} / {seconds // 60:02d}:{seconds % 60:02d}"
        draw.text((right - 110, HEIGHT - 24), stamp, font=small, fill=DARK)
        # a small moving mark, so that playing is visible at a glance
        x = left + int((right - left - 12) * (0.5 + 0.5 * math.sin(elapsed * 1.3)))
        draw.ellipse((x, HEIGHT - 60, x + 12, HEIGHT - 48), fill=GOLD)
        video_frame = av.VideoFrame.from_image(frame)
        video_frame.pts, video_frame.time_base = n, Fraction(1, FPS)
        yield video_frame


def _tone(seconds: int):
    """A soft tone (a fifth, slowly swelling), 16-bit mono, in 20 ms frames."""
    samples = 960
    for n in range(seconds * RATE // samples):
        start = n * samples
        pcm = bytearray()
        for i in range(samples):
            t = (start + i) / RATE
            swell = 0.5 + 0.5 * math.sin(2 * math.pi * 0.2 * t)
            value = (
                0.05 * swell * (math.sin(2 * math.pi * 220 * t) + math.sin(2 * math.pi * 330 * t))
            )
            pcm += int(value * 32767).to_bytes(2, "little", signed=True)
        frame = av.AudioFrame(format="s16", layout="mono", samples=samples)
        frame.planes[0].update(bytes(pcm))
        frame.sample_rate, frame.pts, frame.time_base = RATE, start, Fraction(1, RATE)
        yield frame


def render_lesson_video(*, title: str, speaker: str, seconds: int, number: int = 1) -> bytes:
    """A real WebM (VP9 + Opus) of ``seconds`` seconds for a lesson, made in memory."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="webm") as container:
        video = container.add_stream("libvpx-vp9", rate=FPS)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.options = {"deadline": "realtime", "cpu-used": "8", "crf": "40", "b": "0"}
        audio = container.add_stream("libopus", rate=RATE, layout="mono")
        for frame in _frames(_title_card(title, speaker, number), seconds):
            container.mux(video.encode(frame))
        for frame in _tone(seconds):
            container.mux(audio.encode(frame))
        container.mux(video.encode(None))
        container.mux(audio.encode(None))
    return buffer.getvalue()


def load_lessons_demo(target: Program | Cohort) -> int:
    """Give the demo program its hour bands and short real video lessons; returns how many
    lessons were made. Idempotent: a lesson whose file is there is left as it is."""
    program = target.program if isinstance(target, Cohort) else target
    with transaction.atomic():
        changed = False
        for minutes, hours in DEMO_BANDS:
            _band, created = HourBand.objects.get_or_create(
                program=program, min_minutes=minutes, defaults={"hours": hours}
            )
            changed |= created
        if changed:
            program_hour_bands_changed(program)
    made = 0
    for number, (title, speaker, seconds, theory, description) in enumerate(DEMO_LESSONS, 1):
        lesson = Lesson.objects.filter(program=program, title=title).first()
        if lesson is not None and lesson.video and lesson.video.storage.exists(lesson.video.name):
            continue
        lesson = lesson or Lesson(program=program, title=title)
        lesson.position, lesson.speaker, lesson.is_theory = number, speaker, theory
        lesson.description = description
        data = render_lesson_video(title=title, speaker=speaker, seconds=seconds, number=number)
        lesson.video = SimpleUploadedFile(f"demo-lesson-{number}.webm", data, "video/webm")
        lesson.duration_seconds = 0
        lesson_save(lesson=lesson, by=None)
        made += 1
    return made
