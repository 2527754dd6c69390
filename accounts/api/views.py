from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView

from accounts import queries, services
from accounts.api.serializers import (
    AddressSerializer,
    LoginSerializer,
    MeSerializer,
    PasswordChangeSerializer,
    RefreshSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    WeChatLoginResultSerializer,
    WeChatLoginSerializer,
    raise_drf,
)
from accounts.models import Address
from accounts.permissions import signed_in_user
from accounts.throttling import client_ip
from core.api.schema import ErrorSerializer

ERROR = OpenApiResponse(ErrorSerializer)
TAG = ["auth"]


class RegisterView(generics.CreateAPIView):
    serializer_class = RegisterSerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(
        tags=TAG,
        responses={
            201: RegisterSerializer,
            400: OpenApiResponse(description="Field errors"),
            429: ERROR,
        },
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


@extend_schema(
    tags=TAG,
    request=LoginSerializer,
    responses={
        200: TokenPairSerializer,
        400: OpenApiResponse(description="Field errors"),
        401: ERROR,
        429: ERROR,
    },
)
class LoginView(TokenObtainPairView):
    """Tokens for a username or e-mail and password. Failed attempts per username + IP are limited."""

    serializer_class = LoginSerializer
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"


class RefreshView(APIView):
    """Rotate a refresh token: the old one is blacklisted; using it again answers 401."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(
        tags=TAG,
        request=RefreshSerializer,
        responses={
            200: TokenPairSerializer,
            400: OpenApiResponse(description="Field errors"),
            401: ERROR,
        },
    )
    def post(self, request):
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(services.auth_tokens_refresh(serializer.validated_data["refresh"]))


class LogoutView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=TAG,
        request=RefreshSerializer,
        responses={204: None, 400: ERROR, 401: ERROR},
    )
    def post(self, request):
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.auth_logout(request.user, raw_refresh=serializer.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class WeChatLoginView(APIView):
    """WeChat mini-program login: exchange `wx.login()`'s code for our tokens."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "wechat_login"

    @extend_schema(
        tags=TAG,
        request=WeChatLoginSerializer,
        responses={
            200: WeChatLoginResultSerializer,
            400: ERROR,
            429: ERROR,
            502: ERROR,
            503: ERROR,
        },
    )
    def post(self, request):
        serializer = WeChatLoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        login = services.user_login_wechat(code=serializer.validated_data["code"])
        return Response({**services.auth_tokens_for(login.user), "created": login.created})


@extend_schema_view(
    get=extend_schema(tags=TAG, responses={200: MeSerializer, 401: ERROR}),
    patch=extend_schema(
        tags=TAG,
        responses={200: MeSerializer, 400: OpenApiResponse(description="Field errors"), 401: ERROR},
    ),
)
class MeView(generics.RetrieveUpdateAPIView):
    """The caller's profile. Username, role and admin flags are not self-editable."""

    serializer_class = MeSerializer
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user


class PasswordChangeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=TAG,
        request=PasswordChangeSerializer,
        responses={
            204: None,
            400: OpenApiResponse(description="Field errors"),
            401: ERROR,
            429: ERROR,
        },
    )
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.password_change(
                request.user, **serializer.validated_data, ip=client_ip(request)
            )
        except DjangoValidationError as exc:
            raise_drf(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(tags=["addresses"]),
    retrieve=extend_schema(tags=["addresses"], responses={200: AddressSerializer, 404: ERROR}),
    create=extend_schema(tags=["addresses"]),
    update=extend_schema(tags=["addresses"], responses={200: AddressSerializer, 404: ERROR}),
    partial_update=extend_schema(
        tags=["addresses"], responses={200: AddressSerializer, 404: ERROR}
    ),
    destroy=extend_schema(tags=["addresses"], responses={204: None, 404: ERROR}),
)
class AddressViewSet(viewsets.ModelViewSet):
    """The caller's own address book. Someone else's address answers 404."""

    serializer_class = AddressSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Address.objects.none()
        return queries.address_list(signed_in_user(self.request))

    def perform_destroy(self, address):
        services.address_delete(signed_in_user(self.request), address_id=address.pk)
