"""Dialog: turns tied together by a conversation id, questions and their answers."""
