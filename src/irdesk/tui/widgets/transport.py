"""Replay's transport bar: playing or paused, speed, the incident's clock at the cursor,
which entry, and whether the chain was verified."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.text import Text
from textual.widgets import Static

from irdesk.domain.clock import local_hms
from irdesk.domain.durations import format_clock


@dataclass(frozen=True)
class Playback:
    """Where a replay stands (what the transport bar shows)."""

    playing: bool
    speed: float | None  # incident seconds per second; None: as fast as possible
    now: datetime  # the incident's clock at the cursor
    offset: timedelta  # since the incident started
    cursor: int
    total: int
    compress: bool  # idle gaps compressed
    chain: str  # "verifying" | "verified" | "broken"
    jumping: int | None = None  # the entry a long jump is being prepared for, in a worker


class TransportBar(Static):
    """◀◀ ◀ ▶ ▶▶, the speed, the incident's clock, entry n of m, the chain check."""

    def show(self, playback: Playback) -> None:
        text = Text(" ")
        text.append("◀◀ ◀ ", style="dim")
        text.append("▶ PLAYING " if playback.playing else "❚❚ PAUSED ", style="bold")
        text.append("▶ ▶▶  ", style="dim")
        speed = playback.speed
        text.append(f"{speed:g}x" if speed else "max", style="bold cyan")
        text.append(f"  {local_hms(playback.now)} (+{format_clock(playback.offset)})")
        text.append(f"  entry {playback.cursor}/{playback.total}")
        if playback.jumping is not None:
            text.append(f"  jumping to entry {playback.jumping}…", style="bold yellow")
        if playback.compress:
            text.append("  gaps compressed", style="yellow")
        if playback.chain == "verifying":
            text.append("  chain: verifying…", style="dim")
        elif playback.chain == "broken":
            text.append("  chain: BROKEN", style="bold white on red")
        else:
            text.append("  chain: verified", style="green")
        text.append("  READ-ONLY", style="bold magenta")
        self.update(text)
