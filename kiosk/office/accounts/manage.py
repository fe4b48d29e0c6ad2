"""Managing people: accounts (office administrators), roles per feed (feed administrators),
new feeds (office administrators).  Passwords are random and shown once; nobody types one in
for someone else.  Changing who may sign goes on through a key change (two key holders)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from kiosk.content import ContentError
from kiosk.content.loader import load_catalogue
from kiosk.office.accounts.models import Membership, Role
from kiosk.office.accounts.roles import feed_view, is_office_admin, person, roles_of
from kiosk.office.authoring.messages import chinese
from kiosk.office.feeds.models import FEED_NAME, Feed, Label
from kiosk.office.feeds.service import create_online_keys
from kiosk.office.history.api import record
from kiosk.office.setup import random_secret

DEFAULT_CATALOGUE = """\
[[category]]
id = "decisions"
name = "党内决策情况"

[[category]]
id = "ideology"
name = "党的思想建设情况"

[[category]]
id = "organisation"
name = "党的组织管理情况"

[[category]]
id = "leadership"
name = "领导班子建设情况"

[[category]]
id = "cadres"
name = "干部选任和管理情况"

[[category]]
id = "service"
name = "联系和服务党员群众情况"

[[category]]
id = "integrity"
name = "党风廉政建设情况"

[[category]]
id = "major"
name = "重大事项"
"""


def _office_admin(request: HttpRequest) -> None:
    if not is_office_admin(person(request)):
        raise PermissionDenied


class AccountForm(forms.Form):
    username = forms.RegexField(label="账号", regex=r"^[A-Za-z0-9_.-]{2,40}$", max_length=40,
                                error_messages={"invalid": "账号只能用英文字母、数字、_ . -，2 到 40 个字符"})
    name = forms.CharField(label="姓名", max_length=60)

    def clean_username(self) -> str:
        name = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=name).exists():
            raise forms.ValidationError("这个账号已经存在")
        return str(name)


@login_required
@require_http_methods(["GET", "POST"])
def people(request: HttpRequest) -> HttpResponse:
    _office_admin(request)
    form = AccountForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        password = random_secret()
        user = get_user_model().objects.create_user(username=form.cleaned_data["username"], password=password,
                                                    first_name=form.cleaned_data["name"])
        record("account.create", f"新建账号 {user.username}（{user.first_name}）", request=request,
               subject=f"user:{user.pk}")
        created = (user.username, password)
        form = AccountForm()
    users = get_user_model().objects.order_by("username").prefetch_related("memberships__feed")
    return render(request, "accounts/people.html", {"form": form, "users": users, "created": created})


@login_required
@require_POST
def reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    _office_admin(request)
    user = get_object_or_404(get_user_model(), pk=pk)
    password = random_secret()
    user.set_password(password)
    user.save(update_fields=["password"])
    record("account.password", f"重置账号 {user.username} 的登录密码", request=request, subject=f"user:{user.pk}")
    messages.warning(request, f"账号 {user.username} 的新登录密码（只显示这一次）：{password}")
    return redirect("accounts:people")


@login_required
@require_POST
def set_active(request: HttpRequest, pk: int) -> HttpResponse:
    _office_admin(request)
    user = get_object_or_404(get_user_model(), pk=pk)
    if user == person(request):
        messages.error(request, "不能停用自己的账号")
        return redirect("accounts:people")
    user.is_active = request.POST.get("active") == "1"
    user.save(update_fields=["is_active"])
    record("account.disable" if not user.is_active else "account.create",
           f"{'启用' if user.is_active else '停用'}账号 {user.username}", request=request, subject=f"user:{user.pk}")
    messages.success(request, f"账号 {user.username} 已{'启用' if user.is_active else '停用'}。"
                     + ("" if user.is_active else "如果此人有签名权，请提出密钥变更将其移除。"))
    return redirect("accounts:people")


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label="人员", queryset=get_user_model().objects.filter(is_active=True)
                                  .order_by("username"))
    role = forms.ChoiceField(label="角色", choices=Role.choices)


@feed_view()
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, feed: Feed) -> HttpResponse:
    manage = Role.ADMIN in roles_of(person(request), feed) or is_office_admin(person(request))
    form = MemberForm(request.POST or None)
    if request.method == "POST":
        if not manage:
            raise PermissionDenied
        if "remove" in request.POST:
            member = get_object_or_404(Membership, feed=feed, pk=request.POST["remove"])
            member.delete()
            record("member.remove", f"撤销 {member.user.username} 的{member.get_role_display()}权限", request=request,
                   feed=feed.name, subject=f"user:{member.user_id}")
            messages.success(request, "已撤销。涉及签名权时，请到“签名人员与密钥”提出密钥变更。")
            return redirect("feeds:people", feed.name)
        if form.is_valid():
            member, made = Membership.objects.get_or_create(feed=feed, user=form.cleaned_data["user"],
                                                            role=form.cleaned_data["role"])
            if made:
                record("member.add", f"授予 {member.user.username} {member.get_role_display()}权限", request=request,
                       feed=feed.name, subject=f"user:{member.user_id}")
            messages.success(request, "已授予。拟稿人、审核人和管理员还需在“签名人员与密钥”提出密钥变更并经两人确认。")
            return redirect("feeds:people", feed.name)
    rows = feed.memberships.select_related("user", "user__signing_key").order_by("role", "user__username")
    return render(request, "accounts/members.html", {"feed": feed, "rows": rows, "form": form, "manage": manage})


class FeedForm(forms.Form):
    name = forms.CharField(label="名称（英文，用于网址）", max_length=40, validators=[FEED_NAME])
    publisher = forms.CharField(label="发布机构（屏幕顶部显示）", max_length=60)
    label = forms.ChoiceField(label="公开类别", choices=Label.choices)
    catalogue = forms.CharField(label="公开目录（catalogue.toml）", widget=forms.Textarea(attrs={"rows": 14}),
                                initial=DEFAULT_CATALOGUE)

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"])
        if Feed.objects.filter(name=name).exists():
            raise forms.ValidationError("这个名称已被使用")
        return name

    def clean_catalogue(self) -> str:
        text = str(self.cleaned_data["catalogue"])
        with tempfile.TemporaryDirectory(prefix="kiosk-catalogue-") as tmp:
            (Path(tmp) / "catalogue.toml").write_text(text, encoding="utf-8")
            try:
                load_catalogue(Path(tmp), "党务公开")  # the screen's own rules
            except ContentError as e:
                raise forms.ValidationError(f"公开目录有误：{e.field or ''} {chinese(e.reason)}") from None
        return text


@login_required
@require_http_methods(["GET", "POST"])
def new_feed(request: HttpRequest) -> HttpResponse:
    _office_admin(request)
    form = FeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            feed = Feed.objects.create(name=form.cleaned_data["name"], publisher=form.cleaned_data["publisher"],
                                       label=form.cleaned_data["label"], catalogue=form.cleaned_data["catalogue"])
            Membership.objects.create(user=person(request), feed=feed, role=Role.ADMIN)
            create_online_keys(feed)
            record("feed.create", f"新建内容源 {feed.publisher}（{feed.label}）", request=request, feed=feed.name)
        messages.success(request, "内容源已建立。请分配人员（至少两名有签名密钥的管理员或审核人、拟稿人和审核人），"
                         "然后在“签名人员与密钥”提出第一次密钥变更。")
        return redirect("feeds:people", feed.name)
    return render(request, "accounts/new_feed.html", {"form": form})
