from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "incidents.chat"
    label = "chat"
    verbose_name = "Chat channels (Zalo, Messenger)"
