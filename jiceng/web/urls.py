from django.urls import path

from . import findings_views, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("warnings/", findings_views.findings_list, name="findings"),
]
