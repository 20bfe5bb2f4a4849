"""`reelbot models` lists every video model with 302.AI's price wording beside the cost and
price in effect, and names the unpriced ones that members are refused."""

from __future__ import annotations

from entrypoints.cli import main


def _listing(tmp_path, capsys, env_text: str = "") -> dict[str, str]:
    env = tmp_path / "test.env"
    env.write_text(env_text)
    assert main(["--env-file", str(env), "models", "--data-dir", str(tmp_path / "data")]) == 0
    lines = capsys.readouterr().out.splitlines()
    return {line.split()[0]: line for line in lines[2:] if line.strip() and not line.startswith(("2 ", "1 "))}


def test_an_unpriced_model_is_listed_with_302ais_wording_and_marked_refused(tmp_path, capsys):
    listing = _listing(tmp_path, capsys)

    assert "billed by tokens" in listing["doubao-seedance-1-0-pro"]
    assert "UNPRICED" in listing["doubao-seedance-1-0-pro"]
    assert "0.35 PTC per video" in listing["kling-25-turbo"] and listing["kling-25-turbo"].endswith("offered")


def test_an_operator_cost_and_price_show_as_the_ones_in_effect(tmp_path, capsys):
    listing = _listing(tmp_path, capsys, "REELBOT_COSTS=doubao-seedance-1-0-pro=0.6\n"
                                         "REELBOT_PRICES=kling-25-turbo=9\n")

    assert "0.6 PTC" in listing["doubao-seedance-1-0-pro"] and listing["doubao-seedance-1-0-pro"].endswith("offered")
    assert "9 credits" in listing["kling-25-turbo"]
