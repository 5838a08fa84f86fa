"""SNT's .curation presets: the shared preset round-trips; bad values name the file and line."""

from __future__ import annotations

import pytest

from snt_web.curation import CurationSettings, calibrate, read_preset, write_preset
from snt_web.curation.live import forks
from snt_web.curation.presets import InvalidPresetError, parse_properties, settings_from_properties
from snt_web.curation.settings import LEGACY_KEYS
from snt_web.io.reconstruction import read_reconstruction

PRESET = "CA1 Dendrites (Mouse, DeFelipe).curation"


def test_shared_preset_reads_and_round_trips(shared_data, tmp_path):
    settings, comments = read_preset(shared_data / "snt" / PRESET)
    assert settings.branch_angle_min == pytest.approx(16.38405034037069)
    assert settings.branch_angle_max == pytest.approx(98.90874556498889)
    assert settings.radius_continuity_max_ratio == 1.0
    assert settings.terminal_min_length == pytest.approx(10.4467016297461)
    assert settings.soma_distance_enabled is True and settings.soma_max_distance == pytest.approx(217.16295939745308)
    # The legacy key names the crossover proximity.
    assert settings.crossover_proximity == pytest.approx(3.419454824782221)
    assert settings.radius_monotonicity_min_run == 1 and settings.signal_min_contrast == -1.0
    assert comments[0] == PRESET and any("131 dendritic arbors" in c for c in comments)

    out = tmp_path / "copy.curation"
    write_preset(settings, out, comments)
    again, again_comments = read_preset(out)
    assert again == settings and again_comments == comments
    # Every value of the original is in the copy, exactly (float repr round-trips).
    original, _ = parse_properties((shared_data / "snt" / PRESET).read_text(encoding="latin-1"))
    copied, _ = parse_properties(out.read_text(encoding="latin-1"))
    for key, value in original.items():
        key = LEGACY_KEYS.get(key, key)
        assert copied[key] == value or float(copied[key]) == float(value)


def test_java_properties_syntax_and_unknown_keys_kept(tmp_path):
    text = "! comment\nbranchAngle.min : 12.5\nbranchAngle.max 150\nfuture.key=a\\\n  b\\u00e9\n"
    settings, _ = settings_from_properties(text)
    assert (settings.branch_angle_min, settings.branch_angle_max) == (12.5, 150.0)
    assert settings.extra == {"future.key": "abé"}
    write_preset(settings, tmp_path / "x.curation")
    assert read_preset(tmp_path / "x.curation")[0].extra == {"future.key": "abé"}


def test_bad_values_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.curation"
    bad.write_text("# x\nbranchAngle.min=10\nbranchAngle.enabled=maybe\n")
    with pytest.raises(InvalidPresetError, match=r"bad.curation, line 3: branchAngle.enabled must be true or false"):
        read_preset(bad)
    bad.write_text("radiusMonotonicity.minRun=2.5\n")
    with pytest.raises(InvalidPresetError, match="line 1: radiusMonotonicity.minRun must be a whole number"):
        read_preset(bad)
    with pytest.raises(InvalidPresetError, match="cannot read"):
        read_preset(tmp_path / "missing.curation")


def test_calibration_takes_percentiles_of_real_arbors(shared_data):
    trees = [read_reconstruction(shared_data / "real" / "snt" / f"AA000{k}.swc") for k in (1, 2)]
    settings = calibrate(trees)
    loose = calibrate(trees, lower=1, upper=99)
    # Wider percentiles flag less: lower "below" thresholds, higher "above" thresholds.
    assert loose.branch_angle_min <= settings.branch_angle_min < settings.branch_angle_max <= loose.branch_angle_max
    assert loose.terminal_min_length <= settings.terminal_min_length
    # About 5 % of the reference forks fall below the learnt minimum angle.
    angles = [m.branch_angle for t in trees for m in forks(t) if m.branch_angle == m.branch_angle]
    below = sum(a < settings.branch_angle_min for a in angles) / len(angles)
    assert 0.02 <= below <= 0.08
    assert settings.signal_min_contrast == CurationSettings().signal_min_contrast  # not learnt
    with pytest.raises(ValueError, match="percentiles"):
        calibrate(trees, lower=50, upper=10)
