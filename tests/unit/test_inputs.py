"""What a person types is kept as it reads: no invisible character makes two entries that look alike."""


def test_invisible_characters_never_make_a_look_alike_entry():
    from emergency.core.inputs import clean_text
    from emergency.services.directory import text_of
    for typed in ("值\u200b班室", "值\u200d班室\ufeff", "\u2060值班室"):
        assert clean_text(typed, "text", 20) == "值班室" and text_of(typed) == "值班室"
