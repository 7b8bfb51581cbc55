using Berth.Core.Admission;
using static Berth.Core.Tests.Admission.LimitRanges;

namespace Berth.Core.Tests.Admission;

/// <summary>LimitRange documents checked as the API server checks them before storing one.</summary>
public class LimitRangeValidationTests
{
    private static string Errors(LimitRangeCheck check) => string.Join("\n", check.Errors.Select(e => $"{e.Path}: {e.Message}"));

    public static TheoryData<string, string[], string, string> Invalid => new()
    {
        { "type in the wrong case", ["{ type: container, max: { cpu: '1' } }"],
            "spec.limits[0].type", "Invalid value: \"container\": must be a standard limit type or fully qualified" },
        { "no type", ["{ max: { cpu: '1' } }"],
            "spec.limits[0].type", "Invalid value: \"\": name part must be non-empty" },
        { "a type twice", ["{ type: Container, max: { cpu: '1' } }", "{ type: Container, max: { memory: 1Gi } }"],
            "spec.limits[1].type", "Duplicate value: \"Container\"" },
        { "default for type Pod", ["{ type: Pod, default: { cpu: '1' } }"],
            "spec.limits[0].default", "Forbidden: may not be specified when `type` is 'Pod'" },
        { "defaultRequest for type Pod", ["{ type: Pod, defaultRequest: { cpu: '1' } }"],
            "spec.limits[0].defaultRequest", "Forbidden: may not be specified when `type` is 'Pod'" },
        { "min above max", ["{ type: Pod, min: { memory: 2Gi }, max: { memory: 1Gi } }"],
            "spec.limits[0].min.memory", "Invalid value: \"2Gi\": min value 2Gi is greater than max value 1Gi" },
        { "min above defaultRequest", ["{ type: Container, min: { cpu: 200m }, defaultRequest: { cpu: 100m } }"],
            "spec.limits[0].defaultRequest.cpu", "Invalid value: \"100m\": min value 200m is greater than default request value 100m" },
        { "defaultRequest above max", ["{ type: Container, max: { cpu: '1' }, default: { cpu: '1' }, defaultRequest: { cpu: '2' } }"],
            "spec.limits[0].defaultRequest.cpu", "Invalid value: \"2\": default request value 2 is greater than max value 1" },
        { "defaultRequest above default", ["{ type: Container, default: { cpu: '1' }, defaultRequest: { cpu: 1500m } }"],
            "spec.limits[0].defaultRequest.cpu", "Invalid value: \"1500m\": default request value 1500m is greater than default limit value 1" },
        { "min above default", ["{ type: Container, min: { memory: 1Gi }, default: { memory: 512Mi }, defaultRequest: { memory: 1Gi } }"],
            "spec.limits[0].default.memory", "Invalid value: \"1Gi\": min value 1Gi is greater than default value 512Mi" },
        { "default above max, shown with max as the value", ["{ type: Container, max: { memory: 1Gi }, default: { memory: 2Gi }, defaultRequest: { memory: 1Gi } }"],
            "spec.limits[0].default.memory", "Invalid value: \"1Gi\": default value 2Gi is greater than max value 1Gi" },
        { "a ratio below 1", ["{ type: Container, maxLimitRequestRatio: { cpu: 500m } }"],
            "spec.limits[0].maxLimitRequestRatio.cpu", "Invalid value: \"500m\": ratio 500m is less than 1" },
        { "a ratio max/min cannot reach", ["{ type: Pod, min: { cpu: 100m }, max: { cpu: 200m }, maxLimitRequestRatio: { cpu: '3' } }"],
            "spec.limits[0].maxLimitRequestRatio.cpu", "Invalid value: \"3\": ratio 3 is greater than max/min = 2.000000" },
        { "a resource containers cannot have", ["{ type: Container, max: { storage: 1Gi } }"],
            "spec.limits[0].max.storage", "Invalid value: \"storage\": must be a standard resource for containers" },
        { "an unknown resource", ["{ type: Pod, max: { gpu: '1' } }"],
            "spec.limits[0].max.gpu", "Invalid value: \"gpu\": must be a standard resource type or fully qualified" },
        { "hugepages must not be overcommitted", ["{ type: Container, default: { hugepages-2Mi: 4Mi }, defaultRequest: { hugepages-2Mi: 2Mi } }"],
            "spec.limits[0].defaultRequest.hugepages-2Mi", "Invalid value: \"2Mi\": default value 4Mi must equal to defaultRequest value 2Mi in hugepages-2Mi" },
        { "a claim limit without storage", ["{ type: PersistentVolumeClaim, max: { memory: 1Gi } }"],
            "spec.limits[0].limits", "Required value: either minimum or maximum storage value is required, but neither was provided" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Refuses_with_the_field_path(string because, string[] items, string path, string message)
    {
        var check = LimitRangeValidation.Validate(Range("limits", items), "lr.yaml");

        Assert.False(check.IsValid, because);
        Assert.True(check.Errors.Any(e => e.Path == path && e.Message == message && e.Source == "lr.yaml"), $"{because}:\n{Errors(check)}");
    }

    [Fact]
    public void A_default_the_server_derives_is_checked_like_a_written_one()
    {
        // max alone makes default and defaultRequest 1, which min is above.
        var check = LimitRangeValidation.Validate(Range("limits", "{ type: Container, min: { cpu: '2' }, max: { cpu: '1' } }"), "lr.yaml");

        Assert.Equal(
            """
            spec.limits[0].min.cpu: Invalid value: "2": min value 2 is greater than max value 1
            spec.limits[0].defaultRequest.cpu: Invalid value: "1": min value 2 is greater than default request value 1
            spec.limits[0].default.cpu: Invalid value: "2": min value 2 is greater than default value 1
            """,
            Errors(check));
    }

    [Theory]
    [InlineData("", "metadata.name", "Required value: name is required")]
    [InlineData("Big_Name", "metadata.name", "Invalid value: \"Big_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')")]
    public void The_name_is_a_dns_subdomain(string name, string path, string message)
    {
        var check = LimitRangeValidation.Validate(Range(name, "{ type: Container, max: { cpu: '1' } }"), "lr.yaml");

        var error = Assert.Single(check.Errors);
        Assert.Equal((path, message), (error.Path, error.Message));
    }

    [Fact]
    public void A_full_limit_range_is_valid()
    {
        var check = LimitRangeValidation.Validate(Range("limits",
            "{ type: Container, min: { cpu: 50m, memory: 64Mi }, max: { cpu: '2', memory: 2Gi }, default: { cpu: 500m, memory: 512Mi }, defaultRequest: { cpu: 100m, memory: 128Mi }, maxLimitRequestRatio: { cpu: '10' } }",
            "{ type: Pod, max: { cpu: '4', memory: 4Gi, ephemeral-storage: 10Gi }, maxLimitRequestRatio: { memory: '2' } }",
            "{ type: Container, max: { example.com/gpu: '2' } }"), "lr.yaml");

        // The third item repeats type Container.
        Assert.Equal("spec.limits[2].type: Duplicate value: \"Container\"", Errors(check));
        Assert.Empty(check.Warnings);

        Assert.True(LimitRangeValidation.Validate(Range("limits",
            "{ type: Container, min: { cpu: 50m, memory: 64Mi }, max: { cpu: '2', memory: 2Gi, example.com/gpu: '2' }, default: { cpu: 500m, memory: 512Mi }, defaultRequest: { cpu: 100m, memory: 128Mi }, maxLimitRequestRatio: { cpu: '10' } }",
            "{ type: Pod, max: { cpu: '4', memory: 4Gi, ephemeral-storage: 10Gi }, maxLimitRequestRatio: { memory: '2' } }"), "lr.yaml").IsValid);
    }

    [Fact]
    public void Claim_limits_are_valid_but_warned_about()
    {
        var check = LimitRangeValidation.Validate(Range("storage", "{ type: PersistentVolumeClaim, min: { storage: 1Gi }, max: { storage: 10Gi } }"), "lr.yaml");

        Assert.True(check.IsValid, Errors(check));
        var warning = Assert.Single(check.Warnings);
        Assert.Equal("spec.limits[0]", warning.Path);
        Assert.Contains("no effect on a single node", warning.Message);
    }

    [Fact]
    public void A_fully_qualified_type_is_valid_but_warned_about()
    {
        var check = LimitRangeValidation.Validate(Range("custom", "{ type: example.com/thing, max: { cpu: '1' } }"), "lr.yaml");

        Assert.True(check.IsValid, Errors(check));
        Assert.Contains("not one the LimitRanger plugin applies", Assert.Single(check.Warnings).Message);
    }
}
