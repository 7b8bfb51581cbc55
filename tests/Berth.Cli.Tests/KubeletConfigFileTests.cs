using Berth.Core.Manifests;
using Berth.Node.Configuration;
using Berth.Runtime.Pods;

namespace Berth.Cli.Tests;

public class KubeletConfigFileTests
{
    private const string Head = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n";

    [Fact]
    public void Reads_seccomp_default_and_allowed_unsafe_sysctls()
    {
        var file = KubeletConfigFile.Parse(Head + "seccompDefault: true\nallowedUnsafeSysctls: [\"net.core.*\", kernel.msgmax]\n", "k.yaml");
        Assert.True(file.SeccompDefault);
        Assert.Equal(["net.core.*", "kernel.msgmax"], file.AllowedUnsafeSysctls);
        Assert.Empty(file.Warnings);
    }

    [Fact]
    public void Unknown_fields_are_warnings()
    {
        var file = KubeletConfigFile.Parse(Head + "maxOpenFiles: 10\nseccompDefault: false\n", "k.yaml");
        Assert.Equal(["unknown field \"maxOpenFiles\""], file.Warnings);
        Assert.False(file.SeccompDefault);
    }

    [Theory]
    [InlineData("seccompDefault: yes-please\n", "seccompDefault", "Invalid value: \"yes-please\": must be true or false")]
    [InlineData("seccompDefault: \"true\"\n", "seccompDefault", "Invalid value: \"true\": must be true or false")]
    [InlineData("allowedUnsafeSysctls: [net.core.*, vm.swappiness]\n", "allowedUnsafeSysctls[1]", "Invalid value: the sysctls \"vm.swappiness\" are not known to be namespaced")]
    [InlineData("allowedUnsafeSysctls: net.core.*\n", "allowedUnsafeSysctls", "Invalid value: must be a list of sysctl names or patterns")]
    public void Bad_values_name_their_field(string body, string path, string message)
    {
        var e = Assert.Throws<ValidationException>(() => KubeletConfigFile.Parse(Head + body, "k.yaml"));
        var error = Assert.Single(e.Errors);
        Assert.Equal(("k.yaml", path, message), (error.Source, error.Path, error.Message));
    }

    [Fact]
    public void Only_a_v1beta1_KubeletConfiguration_is_read()
    {
        var e = Assert.Throws<ValidationException>(() => KubeletConfigFile.Parse("apiVersion: v1\nkind: Pod\n", "k.yaml"));
        Assert.Contains(e.Errors, x => x.Path == "apiVersion" && x.Message.StartsWith("Unsupported value: \"v1\"", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Path == "kind");
        Assert.Throws<ValidationException>(() => KubeletConfigFile.Parse("seccompDefault: true\n", "k.yaml"));
    }

    [Fact]
    public void Flags_override_the_file()
    {
        var file = KubeletConfigFile.Parse(Head + "seccompDefault: true\nallowedUnsafeSysctls: [\"net.core.*\"]\n", "k.yaml");
        var fromFile = file.ApplyTo(new NodeSecurityOptions(), null, null);
        Assert.True(fromFile.SeccompDefault);
        Assert.Equal(["net.core.*"], fromFile.AllowedUnsafeSysctls);
        var flagged = file.ApplyTo(new NodeSecurityOptions(), false, ["kernel.msg*"]);
        Assert.False(flagged.SeccompDefault);
        Assert.Equal(["kernel.msg*"], flagged.AllowedUnsafeSysctls);
    }
}
