namespace Berth.Cli.Tests;

/// <summary>`berth plan` refuses what `berth play` refuses, with play's messages, and prints the
/// warnings play prints.</summary>
public class PlanValidationTests
{
    /// <summary>Also played by the integration tests (PlayValidationTests), which compare the lines.</summary>
    public const string Unsupported = """
        apiVersion: v1
        kind: Pod
        metadata: { name: unsupported }
        spec:
          volumes:
            - name: config
              configMap: { name: app-config, defaultMode: 0644 }
          containers:
            - name: app
              image: busybox
              env:
                - name: POD_NAME
                  valueFrom: { fieldRef: { fieldPath: metadata.name } }
              envFrom: [{ secretRef: { name: s } }]
        """;

    [Fact]
    public async Task Volumes_and_env_sources_play_refuses_fail_plan_with_exit_2()
    {
        using var file = BerthProcess.Manifest(Unsupported);
        var result = await BerthProcess.RunAsync("plan", file.Path);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Equal(
            [
                $"error: {file.Path}: spec.containers[0].env[0].valueFrom: Unsupported value: only literal values are supported",
                $"error: {file.Path}: spec.containers[0].envFrom: Unsupported value: envFrom is not supported (no ConfigMaps or Secrets on a single node)",
                $"error: {file.Path}: spec.volumes[0].configMap: Unsupported value: only emptyDir and hostPath volumes are supported",
            ],
            result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Checks_that_play_ran_alone_before_now_run_in_plan()
    {
        using var file = BerthProcess.Manifest("""
            apiVersion: v1
            kind: Pod
            metadata: { name: moved }
            spec:
              volumes: [{ name: h, hostPath: { path: relative/dir } }]
              containers:
                - name: app
                  image: Not-A-Reference
                  lifecycle: { postStart: { httpGet: { port: 80 } } }
            """);
        var result = await BerthProcess.RunAsync("plan", file.Path);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"error: {file.Path}: spec.volumes[0].hostPath.path: Invalid value: \"relative/dir\": must be an absolute path without '..'", result.Stderr);
        Assert.Contains($"error: {file.Path}: spec.containers[0].image: Invalid value: \"Not-A-Reference\": not an image reference (name[:tag])", result.Stderr);
        Assert.Contains($"error: {file.Path}: spec.containers[0].lifecycle.postStart.httpGet: Unsupported value: only exec hooks are supported", result.Stderr);
    }

    [Fact]
    public async Task Warned_fields_are_printed_and_the_plan_still_made()
    {
        using var file = BerthProcess.Manifest("""
            apiVersion: v1
            kind: Pod
            metadata: { name: warned }
            spec:
              schedulerName: mine
              priorityClassName: high
              containers:
                - name: app
                  image: busybox
                  readinessProbe: { exec: { command: ["true"] } }
            """);
        var result = await BerthProcess.RunAsync("plan", file.Path, "-o", "json");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("\"warned\"", result.Stdout);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Contains($"warning: {file.Path}: spec.schedulerName: ignored: the scheduler's field: there is no scheduler on a single node", lines);
        Assert.Contains($"warning: {file.Path}: spec.priorityClassName: ignored: the scheduler's field: there is no scheduler on a single node", lines);
        Assert.Contains(lines, l => l.StartsWith($"warning: {file.Path}: spec.containers[0].readinessProbe: ignored: probes are not run yet", StringComparison.Ordinal));
    }
}
