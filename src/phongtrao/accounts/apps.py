from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "phongtrao.accounts"
    label = "accounts"
    verbose_name = "Tài khoản và phân quyền"
