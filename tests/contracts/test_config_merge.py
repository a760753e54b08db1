"""The config merge rule: the cloud's document wins; what the club added on the Pi stays."""

from __future__ import annotations

import msgspec

from neopro.contracts import Category, Owner, SiteConfig, SiteInfo, Video
from neopro.contracts.site_config import keep_club_additions


def video(vid: str, owner: Owner = Owner.CLUB) -> Video:
    return Video(id=vid, title=vid, sha256=(vid.encode().hex() * 64)[:64], duration_s=5, owner=owner)


def doc(videos: list[Video], categories: list[Category], version: int) -> SiteConfig:
    return SiteConfig(
        version=version, site=SiteInfo(club_name="AS Test"), videos=videos, categories=categories
    )


def test_a_video_and_a_category_added_on_the_pi_survive_a_new_cloud_version():
    base = doc([video("goal")], [Category(id="goal", label="Goal", videos=["goal"])], 1)
    local = doc(
        [video("goal"), video("chant")],
        [
            Category(id="goal", label="Goal", videos=["goal", "chant"]),
            Category(id="fans", label="Fans", videos=["chant"]),
        ],
        1,
    )
    incoming = doc(
        [video("goal"), video("goal2")], [Category(id="goal", label="But", videos=["goal2", "goal"])], 2
    )
    merged = keep_club_additions(incoming, base, local)
    assert [v.id for v in merged.videos] == ["goal", "goal2", "chant"]
    assert merged.category("goal").label == "But"  # the cloud wins for what it names
    assert merged.category("goal").videos == ["goal2", "goal", "chant"]
    assert merged.category("fans").videos == ["chant"]
    assert merged.version == 2


def test_what_the_cloud_removed_stays_removed_and_platform_items_replace_local_copies():
    base = doc(
        [video("old"), video("spot", Owner.PLATFORM)],
        [Category(id="sponsors", label="Sponsors", owner=Owner.PLATFORM, videos=["spot", "old"])],
        1,
    )
    local = msgspec.structs.replace(
        base,
        categories=[Category(id="sponsors", label="Mine now", owner=Owner.PLATFORM, videos=["spot", "old"])],
    )
    incoming = doc(
        [video("spot", Owner.PLATFORM)],
        [Category(id="sponsors", label="Sponsors", owner=Owner.PLATFORM, videos=["spot"])],
        2,
    )
    merged = keep_club_additions(incoming, base, local)
    assert [v.id for v in merged.videos] == ["spot"]  # "old" came from the cloud, which dropped it
    assert merged.category("sponsors").label == "Sponsors"
    assert merged.category("sponsors").videos == ["spot"]


def test_without_a_local_document_the_cloud_document_is_taken_as_is():
    incoming = doc([video("goal")], [], 3)
    assert keep_club_additions(incoming, None, None) is incoming
