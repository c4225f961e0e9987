#include "gateway/identity/participant_id.h"

#include "gtest/gtest.h"

namespace pasarela {
namespace {

TEST(ParticipantIdTest, ParsesAndPrintsBothForms) {
  absl::StatusOr<ParticipantId> id = ParticipantId::Parse("CL/GOV/registro-civil");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->country(), "CL");
  EXPECT_EQ(id->member_class(), "GOV");
  EXPECT_EQ(id->member(), "registro-civil");
  EXPECT_EQ(id->subsystem(), "");
  EXPECT_EQ(id->ToString(), "CL/GOV/registro-civil");
  EXPECT_EQ(id->ToUri(), "urn:pasarela:CL:GOV:registro-civil");
}

TEST(ParticipantIdTest, SubsystemRoundTripsThroughTheUri) {
  absl::StatusOr<ParticipantId> id =
      ParticipantId::FromUri("urn:pasarela:AR:GOV:migraciones:fronteras");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->subsystem(), "fronteras");
  EXPECT_EQ(id->ToString(), "AR/GOV/migraciones/fronteras");
}

TEST(ParticipantIdTest, RejectsMalformedNames) {
  for (const char* text : {"", "CL", "CL/GOV", "cl/GOV/x", "CHL/GOV/x", "CL/GOV/x/y/z", "CL//x",
                           "CL/GOV/x y", "CL/GOV/x:y"}) {
    EXPECT_FALSE(ParticipantId::Parse(text).ok()) << text;
  }
}

TEST(ParticipantIdTest, GatewayUrisAreNotParticipants) {
  EXPECT_FALSE(ParticipantId::FromUri("urn:pasarela:gateway:CL").ok());
  EXPECT_FALSE(ParticipantId::FromUri("spiffe://cl/registro").ok());
  absl::StatusOr<std::string> country = ParseGatewayUri("urn:pasarela:gateway:CL");
  ASSERT_TRUE(country.ok());
  EXPECT_EQ(*country, "CL");
  EXPECT_EQ(GatewayUri("AR"), "urn:pasarela:gateway:AR");
  EXPECT_FALSE(ParseGatewayUri("urn:pasarela:gateway:chile").ok());
  EXPECT_FALSE(ParseGatewayUri("urn:pasarela:CL:GOV:x").ok());
}

TEST(ParticipantIdTest, CountryOfAParticipantAsWritten) {
  EXPECT_EQ(CountryOfParticipant("CL/GOV/registro-civil"), "CL");
  EXPECT_EQ(CountryOfParticipant("AR/GOV/migraciones/consultas"), "AR");
  EXPECT_EQ(CountryOfParticipant("UY"), "UY");
  EXPECT_EQ(CountryOfParticipant(""), "");
}

}  // namespace
}  // namespace pasarela
