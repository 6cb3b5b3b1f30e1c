"""ksef-bot: the Telegram assistant built on the ``ksef`` library."""
