using Berth.Core.Manifests;
using Berth.Core.Validation;

namespace Berth.Core.Tests.Validation;

public class VolumeSubPathTests
{
    private static readonly Dictionary<string, string> Env = new()
    {
        ["POD_NAME"] = "web-0",
        ["NS"] = "prod",
        ["EMPTY"] = "",
        ["UP"] = "..",
        ["SLASH"] = "/etc",
    };

    [Theory]
    [InlineData("$(POD_NAME)", "web-0")]
    [InlineData("logs/$(NS)/$(POD_NAME)", "logs/prod/web-0")]
    [InlineData("$(UNKNOWN)/x", "$(UNKNOWN)/x")] // an unknown name stays as written
    [InlineData("$$(POD_NAME)", "$(POD_NAME)")] // $$ escapes the reference
    [InlineData("$$$(POD_NAME)", "$web-0")]
    [InlineData("cost$$", "cost$")]
    [InlineData("a$b", "a$b")] // a lone $ is not a reference
    [InlineData("tail$", "tail$")]
    [InlineData("$(POD_NAME", "$(POD_NAME")] // unclosed
    [InlineData("$()", "$()")]
    [InlineData("$(EMPTY)x", "x")]
    [InlineData("", "")]
    public void Expand_follows_the_kubelet_syntax(string input, string expected) =>
        Assert.Equal(expected, VolumeSubPath.Expand(input, name => Env.GetValueOrDefault(name)));

    [Theory]
    [InlineData("$(POD_NAME)/data", "web-0/data", "")]
    [InlineData("$(UNKNOWN)/$(POD_NAME)", "/web-0", "UNKNOWN")]
    [InlineData("$(EMPTY)$(ZZZ)$(AAA)", "", "AAA, EMPTY, ZZZ")] // empty counts as missing; sorted
    [InlineData("$$(UNKNOWN)", "$(UNKNOWN)", "")] // escaped: not a reference
    public void ExpandExpr_reports_variables_without_a_value(string expression, string expected, string missing)
    {
        var expanded = VolumeSubPath.ExpandExpr(expression, Env, out var absent);
        Assert.Equal(expected, expanded);
        Assert.Equal(missing, string.Join(", ", absent));
    }

    [Theory]
    [InlineData("data", null)]
    [InlineData("a/b/c", null)]
    [InlineData("a..b/..c", null)] // ".." only as a whole component
    [InlineData("..", VolumeSubPath.NotRelative)]
    [InlineData("a/../b", VolumeSubPath.NotRelative)]
    [InlineData("a/..", VolumeSubPath.NotRelative)]
    [InlineData("/etc", VolumeSubPath.NotRelative)]
    public void RelativeProblem_refuses_absolute_paths_and_dot_dot(string path, string? problem) =>
        Assert.Equal(problem, VolumeSubPath.RelativeProblem(path));

    [Theory]
    [InlineData("subPathExpr: $(POD_NAME)", null, null)]
    [InlineData("subPathExpr: $(UP)/x", "spec.containers[0].volumeMounts[0].subPathExpr", "Invalid value: \"$(UP)/x\": expands to \"../x\": must be a relative path without '..'")]
    [InlineData("subPathExpr: $(SLASH)", "spec.containers[0].volumeMounts[0].subPathExpr", "Invalid value: \"$(SLASH)\": expands to \"/etc\": must be a relative path without '..'")]
    [InlineData("subPathExpr: ../$(POD_NAME)", "spec.containers[0].volumeMounts[0].subPathExpr", "Invalid value: \"../$(POD_NAME)\": must be a relative path without '..'")]
    [InlineData("subPathExpr: $(NOPE)", "spec.containers[0].volumeMounts[0].subPathExpr", "Invalid value: \"$(NOPE)\": missing value for NOPE")]
    [InlineData("subPath: a, subPathExpr: b", "spec.containers[0].volumeMounts[0].subPathExpr", "Invalid value: \"b\": subPathExpr and subPath are mutually exclusive")]
    [InlineData("subPath: a/../../etc", "spec.containers[0].volumeMounts[0].subPath", "Invalid value: \"a/../../etc\": must be a relative path without '..'")]
    public void Validation_expands_literal_env_and_names_the_field(string mountExtra, string? path, string? message)
    {
        var yaml = $$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: p }
            spec:
              volumes: [{ name: v, emptyDir: {} }]
              containers:
                - name: a
                  image: busybox
                  env: [{ name: POD_NAME, value: web-0 }, { name: UP, value: ".." }, { name: SLASH, value: /etc }]
                  volumeMounts: [{ name: v, mountPath: /x, {{mountExtra}} }]
            """;
        if (path is null)
        {
            ManifestReader.ReadText(yaml, "p.yaml");
            return;
        }

        var error = Assert.Single(Assert.Throws<ValidationException>(() => ManifestReader.ReadText(yaml, "p.yaml")).Errors);
        Assert.Equal(path, error.Path);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void A_variable_from_valueFrom_is_left_to_the_node()
    {
        var pod = new k8s.Models.V1Container
        {
            Name = "a",
            Env = [new() { Name = "POD_NAME", ValueFrom = new() { FieldRef = new() { FieldPath = "metadata.name" } } }],
        };
        var errors = new List<string>();
        VolumeSubPath.Validate(pod, new() { Name = "v", MountPath = "/x", SubPathExpr = "$(POD_NAME)" }, "m", (p, m) => errors.Add(m));
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("Directory", null)]
    [InlineData("", null)]
    [InlineData("Dir", "Unsupported value: \"Dir\": supported values: \"\", \"BlockDevice\", \"CharDevice\", \"Directory\", \"DirectoryOrCreate\", \"File\", \"FileOrCreate\", \"Socket\"")]
    public void HostPath_type_must_be_a_known_one(string type, string? message)
    {
        var yaml = $$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: p }
            spec:
              volumes: [{ name: v, hostPath: { path: /tmp, type: "{{type}}" } }]
              containers: [{ name: a, image: busybox }]
            """;
        if (message is null)
        {
            ManifestReader.ReadText(yaml, "p.yaml");
            return;
        }

        var error = Assert.Single(Assert.Throws<ValidationException>(() => ManifestReader.ReadText(yaml, "p.yaml")).Errors);
        Assert.Equal("spec.volumes[0].hostPath.type", error.Path);
        Assert.Equal(message, error.Message);
    }
}
