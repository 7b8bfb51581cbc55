using Berth.Cli.Commands;
using Berth.Core.Manifests;
using Berth.Core.Planning;
using Berth.Node.Configuration;

namespace Berth.Cli.Tests;

public sealed class MemoryQosFlagsTests : IDisposable
{
    private const string Head = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n";
    private readonly string file = Path.Combine(Path.GetTempPath(), $"berth-kubelet-{Guid.NewGuid():N}.yaml");

    [Fact]
    public void The_file_turns_memory_qos_on_and_flags_override_it()
    {
        File.WriteAllText(file, Head + "featureGates: { MemoryQoS: true }\nmemoryThrottlingFactor: 0.8\nmemoryReservationPolicy: TieredReservation\n");

        var fromFile = MemoryQosFlags.Resolve(file, null, null, null, TextWriter.Null);
        var flagged = MemoryQosFlags.Resolve(file, ["MemoryQoS=false"], "0.5", "None", TextWriter.Null);

        Assert.Equal(new Berth.Runtime.MemoryQosOptions(true, 0.8, MemoryReservationPolicy.TieredReservation), fromFile);
        Assert.Equal(new Berth.Runtime.MemoryQosOptions(false, 0.5, MemoryReservationPolicy.None), flagged);
    }

    [Fact]
    public void Off_by_default_with_the_kubelet_s_factor_and_only_on_cgroup_v2()
    {
        var options = MemoryQosFlags.Resolve(null, null, null, null, TextWriter.Null);
        var on = options with { Enabled = true };

        Assert.False(options.Enabled);
        Assert.Null(options.For(cgroupVersion: 2, allocatableMemory: 1 << 30));
        Assert.Null(on.For(cgroupVersion: 1, allocatableMemory: 1 << 30));
        Assert.Equal(0.9, on.For(cgroupVersion: 2, allocatableMemory: 1 << 30)!.ThrottlingFactor);
    }

    [Theory]
    [InlineData(null, "0", null, "--memory-throttling-factor", "must be greater than 0 and less than or equal to 1")]
    [InlineData(null, "1.5", null, "--memory-throttling-factor", "must be greater than 0 and less than or equal to 1")]
    [InlineData(null, null, "Tiered", "--memory-reservation-policy", "supported values: \"None\", \"TieredReservation\"")]
    [InlineData("MemoryQoS=yes", null, null, "--feature-gates", "must be Name=true or Name=false")]
    public void Bad_flags_name_the_flag(string? gates, string? factor, string? policy, string flag, string message)
    {
        var error = Assert.Throws<ValidationException>(() => MemoryQosFlags.Resolve(null, gates is null ? null : [gates], factor, policy, TextWriter.Null));

        var found = Assert.Single(error.Errors);
        Assert.Equal(flag, found.Path);
        Assert.Contains(message, found.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_file_values_name_the_field_and_unknown_gates_are_warned_about()
    {
        var error = Assert.Throws<ValidationException>(() => KubeletConfigFile.Parse(Head + "memoryThrottlingFactor: 2\nfeatureGates: { MemoryQoS: maybe }\n", "k.yaml"));
        Assert.Equal(["memoryThrottlingFactor", "featureGates.MemoryQoS"], error.Errors.Select(e => e.Path));

        var warnings = new StringWriter();
        MemoryQosFlags.Resolve(null, ["SomeGate=true,MemoryQoS=true"], null, null, warnings);
        Assert.Contains("feature gate \"SomeGate\" is not known to Berth", warnings.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => File.Delete(file);
}
