"""`mediator web`: the console served to browsers behind a staff sign-in (issue 20)."""
