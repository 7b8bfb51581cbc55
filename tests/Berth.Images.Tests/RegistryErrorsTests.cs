using System.Net;
using Berth.Images.Registry;

namespace Berth.Images.Tests;

public class RegistryErrorsTests
{
    [Fact]
    public void The_registrys_error_document_is_read_for_its_codes_and_messages()
    {
        var body = """{"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown", "detail": {"Tag": "v9"}}, {"code": "DENIED"}, {"message": "only a message"}, {}]}""";

        Assert.Equal("MANIFEST_UNKNOWN: manifest unknown; DENIED; only a message", RegistryErrors.Describe(body, "404 Not Found"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("<html>502 Bad Gateway</html>")]
    [InlineData("""{"message": "not the spec's shape"}""")]
    [InlineData("""{"errors": []}""")]
    [InlineData("""{"errors": "denied"}""")]
    [InlineData("""[{"code": "X"}]""")]
    public void Anything_else_is_described_by_the_status_line(string body) =>
        Assert.Equal("502 Bad Gateway", RegistryErrors.Describe(body, "502 Bad Gateway"));

    [Theory]
    [InlineData(HttpStatusCode.NotFound, RegistryErrorKind.NotFound)]
    [InlineData(HttpStatusCode.Unauthorized, RegistryErrorKind.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden, RegistryErrorKind.Unauthorized)]
    [InlineData(HttpStatusCode.TooManyRequests, RegistryErrorKind.Unavailable)]
    [InlineData(HttpStatusCode.InternalServerError, RegistryErrorKind.Unavailable)]
    [InlineData(HttpStatusCode.ServiceUnavailable, RegistryErrorKind.Unavailable)]
    [InlineData(HttpStatusCode.BadRequest, RegistryErrorKind.Invalid)]
    [InlineData(HttpStatusCode.MethodNotAllowed, RegistryErrorKind.Invalid)]
    public void A_failed_status_says_whether_another_endpoint_may_help(HttpStatusCode status, RegistryErrorKind expected) =>
        Assert.Equal(expected, RegistryErrors.KindOf(status));
}
