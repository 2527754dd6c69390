from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import signed_in_user
from promotions import queries, services
from promotions.api.filters import UserCouponFilter
from promotions.api.serializers import AvailableCouponSerializer, UserCouponSerializer
from promotions.models import CouponTemplate, UserCoupon


class AvailableCouponList(generics.ListAPIView):
    """Coupons that can be claimed now. Guests see every claimable template (so shop pages can
    advertise them); a signed-in user does not see templates they hold up to the per-user limit."""

    serializer_class = AvailableCouponSerializer
    permission_classes = [permissions.AllowAny]
    filter_backends = []

    def get_queryset(self):
        return queries.coupon_templates_claimable(self.request.user)


class CouponClaim(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            201: UserCouponSerializer,
            404: OpenApiResponse(description="No such coupon template."),
            409: OpenApiResponse(
                description="coupon_not_claimable (inactive or outside its validity), "
                "coupon_sold_out, coupon_limit_reached."
            ),
        },
    )
    def post(self, request, pk: int):
        template = get_object_or_404(CouponTemplate, pk=pk)
        user_coupon = services.coupon_claim(request.user, template=template)
        return Response(UserCouponSerializer(user_coupon).data, status=status.HTTP_201_CREATED)


class MyCouponList(generics.ListAPIView):
    """The signed-in user's own coupons, `?status=unused|used|expired`."""

    serializer_class = UserCouponSerializer
    permission_classes = [permissions.IsAuthenticated]
    # No OrderingFilter: `status` is computed, and ordering by it would be a database error.
    filter_backends = [DjangoFilterBackend]
    filterset_class = UserCouponFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return UserCoupon.objects.none()
        return queries.user_coupons(signed_in_user(self.request))
