from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "jiceng.demo"
    label = "demo"
    verbose_name = "Demo city"
