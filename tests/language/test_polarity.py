"""Words that say which way a command goes."""

from hausgeist.language.polarity import OFF, ON, contradicts, says_only


def test_a_sentence_saying_one_side_only_says_it() -> None:
    assert says_only("mach das licht aus".split(), OFF, ON)
    assert not says_only("mach das licht an und wieder aus".split(), OFF, ON)
    assert not says_only("mach das licht".split(), OFF, ON)


def test_opposite_sides_of_a_pair_contradict_each_other() -> None:
    assert contradicts("schalte alle lichter aus".split(), "schalte alle lichter an".split())
    assert contradicts("mach die musik leiser".split(), "mach die musik lauter".split())
    assert contradicts("mach den rollladen zu".split(), "öffne den rollladen".split())
    assert not contradicts("schalte alle lichter aus".split(), "alle lichter aus".split())
    assert not contradicts("schalte das licht".split(), "schalte das licht an".split())
