from bot.textsyntax import parse


def test_options_anywhere_are_taken_out_of_the_prompt():
    parsed = parse('--model=hailuo a fox --duration=10 --camera="Pan left, Zoom in" in snow')
    assert parsed.prompt == "a fox in snow" and parsed.model == "hailuo"
    assert parsed.options == {"duration": "10", "camera": "Pan left, Zoom in"}


def test_em_dash_and_aliases_work_as_phones_type_them():
    parsed = parse("a fox —ar=16:9 —res=1080P")
    assert parsed.options == {"aspect_ratio": "16:9", "resolution": "1080P"}


def test_dashes_inside_words_stay_in_the_prompt():
    assert parse("a well--known x--y=3 scene").prompt == "a well--known x--y=3 scene"


def test_smart_quotes_hold_a_value_with_spaces():
    assert parse("—camera=“Tracking shot” a fox").options == {"camera": "Tracking shot"}
