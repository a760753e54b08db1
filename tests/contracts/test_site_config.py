from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from neopro.contracts import ContractError, Phase, Video, encode_site_config, parse_site_config
from neopro.media.samples import build_sample_config

SHA = "a" * 64


def sample() -> dict:
    videos = [
        Video(id="spot-a", title="A", sha256=SHA, duration_s=10, sponsor_id="boulangerie-martin"),
        Video(id="spot-b", title="B", sha256="b" * 64, duration_s=12, sponsor_id="garage-dupont"),
        Video(id="goal", title="Goal", sha256="c" * 64, duration_s=5),
        Video(id="timeout", title="Timeout", sha256="d" * 64, duration_s=4),
        Video(id="intro-player", title="Intro", sha256="e" * 64, duration_s=6),
    ]
    return json.loads(encode_site_config(build_sample_config(videos)))


def test_sample_config_round_trips():
    doc = sample()
    cfg = parse_site_config(json.dumps(doc))
    assert json.loads(encode_site_config(cfg)) == doc
    assert [v.id for v in cfg.loop(Phase.DURING)] == ["spot-a", "spot-b"]


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (lambda d: d["videos"][1].update(sha256="XYZ"), "$.videos[1].sha256", "lower-case hex sha256"),
        (lambda d: d["videos"][0].update(duration_s="long"), "$.videos[0].duration_s", "Expected `float`"),
        (
            lambda d: d["overlay"]["score"].update(position="middle"),
            "$.overlay.score.position",
            "Invalid enum",
        ),
        (lambda d: d["categories"][0]["videos"].append("nope"), "$.categories[0].videos[1]", "'nope'"),
        (lambda d: d["loops"]["during"].append({"video": "ghost"}), "$.loops.during[2]", "'ghost'"),
        (lambda d: d["videos"].append(dict(d["videos"][0])), "$.videos[5].id", "duplicate"),
        (lambda d: d["videos"][0].update(sponsor_id="nobody"), "$.videos[0].sponsor_id", "nobody"),
        (lambda d: d.update(surprise=1), "$", "unknown field `surprise`"),
        (lambda d: d["videos"][0].update(id="../etc"), "$.videos[0].id", "Expected"),
    ],
)
def test_invalid_config_names_the_field(mutate, field, words):
    doc = sample()
    mutate(doc)
    with pytest.raises(ContractError) as err:
        parse_site_config(json.dumps(doc))
    assert err.value.field == field
    assert words in err.value.reason


def test_not_json_is_a_contract_error():
    with pytest.raises(ContractError) as err:
        parse_site_config(b"{not json")
    assert err.value.field == "$"


def test_expired_platform_videos_disappear_everywhere():
    doc = sample()
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    doc["videos"][0]["expires_at"] = past
    cfg = parse_site_config(json.dumps(doc)).without_expired()
    assert "spot-a" not in {v.id for v in cfg.videos}
    assert all("spot-a" not in c.all_videos() for c in cfg.categories)
    assert all(s.video != "spot-a" for slots in cfg.loops.values() for s in slots)
