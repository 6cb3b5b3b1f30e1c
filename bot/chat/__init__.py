"""The Telegram layer: handlers, keyboards, texts. The only package (with bot.app) that imports telegram."""
