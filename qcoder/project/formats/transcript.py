"""Interview transcripts from recording tools (WebVTT .vtt, SubRip .srt) via webvtt-py.

One block per speaker turn: consecutive cues of one speaker are merged; the speaker comes
from a ``<v Name>`` voice span or a ``Name:`` prefix. When a file names speakers, a cue
without one continues the current turn; a file that names none gives one block per cue.
"""

from __future__ import annotations

import html
import io
from pathlib import Path

from .model import SPEAKER, Block, decode_utf8, one_line, unreadable


def read(path: Path, raw: bytes) -> list[Block]:
    """Speaker turns with their start and end times (milliseconds)."""
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    text = decode_utf8(path, raw)
    fmt = "srt" if path.suffix.lower() == ".srt" else "vtt"
    try:
        captions = webvtt.WebVTT.from_buffer(io.StringIO(text), format=fmt).captions
    except (MalformedFileError, MalformedCaptionError, ValueError) as exc:
        name = "WebVTT" if fmt == "vtt" else "SubRip"
        raise unreadable(path, f"not a {name} transcript ({exc or 'malformed'})",
                         f"export it again as .{fmt} from the recording tool") from None
    cues = []
    for caption in captions:
        words = one_line(html.unescape(caption.text))
        speaker = caption.voice.strip() if caption.voice else None
        if speaker is None and (m := SPEAKER.match(words)):
            speaker, words = m[1].strip(), words[m.end():].strip()
        if words:
            cues.append((speaker, words, caption.start_time.in_milliseconds(),
                         caption.end_time.in_milliseconds()))
    if not cues:
        raise unreadable(path, "the transcript has no cues with text",
                         "export it again from the recording tool")
    named = any(speaker for speaker, *_ in cues)
    turns: list[list] = []
    for speaker, words, start, end in cues:
        if turns and named and (speaker is None or speaker == turns[-1][0]):
            turns[-1][1].append(words)
            turns[-1][3] = max(turns[-1][3], end)
        else:
            turns.append([speaker, [words], start, end])
    return [Block(f"{speaker}: {' '.join(words)}" if speaker else " ".join(words),
                  speaker=speaker, media_start=start, media_end=end)
            for speaker, words, start, end in turns]

