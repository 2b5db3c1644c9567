from django.urls import path

from . import views

app_name = "whistle"
urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report, name="report"),
    path("report/sent/<str:handle>/", views.receipt, name="receipt"),
    path("follow-up/", views.follow_up, name="follow_up"),
    path("follow-up/case/", views.mailbox, name="mailbox"),
    path("follow-up/case/files/<uuid:file_id>/", views.mailbox_file, name="mailbox_file"),
    path("follow-up/leave/", views.leave_mailbox, name="leave"),
    path("lang/<str:code>/", views.switch_language, name="language"),
]
