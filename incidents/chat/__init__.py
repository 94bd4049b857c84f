"""Chat-app channels: Zalo Official Account and Facebook Messenger webhooks that turn a conversation into an
incident through the one intake service, and the outbox that answers the citizen on the same app."""
