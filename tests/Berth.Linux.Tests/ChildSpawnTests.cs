using System.Text;

namespace Berth.Linux.Tests;

public sealed class ChildSpawnTests : IDisposable
{
    private readonly TempDirectory temp = new();

    [Fact]
    public async Task A_child_gets_the_socket_at_the_chosen_fd_and_its_output_goes_to_the_file()
    {
        var (parent, child) = ChildSpawn.SeqpacketPair();
        var output = temp.Combine("out.log");
        try
        {
            var pid = ChildSpawn.Spawn(
                "/bin/sh",
                // One read(2) for the reply: a SEQPACKET message read piecemeal loses the rest.
                ["sh", "-c", "pwd; printf ready >&3; echo \"got $(dd bs=64 count=1 status=none <&3)\"; exit 7"],
                new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" },
                new Dictionary<int, int> { [3] = child },
                workingDirectory: temp.Path,
                outputFile: output);
            ChildSpawn.Close(child);
            child = -1;

            var message = await ChildSpawn.ReadMessageAsync(parent, TimeSpan.FromSeconds(10), CancellationToken.None);
            ChildSpawn.Write(parent, "go\n"u8);

            Assert.Equal("ready", Encoding.UTF8.GetString(message));
            Assert.Equal(7, await ChildSpawn.WaitAsync(pid, CancellationToken.None));
            Assert.Equal($"{temp.Path}\ngot go\n", File.ReadAllText(output));
        }
        finally
        {
            ChildSpawn.Close(parent);
            if (child >= 0)
            {
                ChildSpawn.Close(child);
            }
        }
    }

    [Fact]
    public async Task A_killed_child_reports_128_plus_the_signal()
    {
        var pid = ChildSpawn.Spawn("/bin/sh", ["sh", "-c", "kill -9 $$"], new Dictionary<string, string>(), new Dictionary<int, int>());

        Assert.Equal(137, await ChildSpawn.WaitAsync(pid, CancellationToken.None));
    }

    [Fact]
    public async Task Reading_times_out_when_no_message_comes()
    {
        var (parent, child) = ChildSpawn.SeqpacketPair();
        try
        {
            await Assert.ThrowsAsync<TimeoutException>(() => ChildSpawn.ReadMessageAsync(parent, TimeSpan.FromMilliseconds(50), CancellationToken.None));
        }
        finally
        {
            ChildSpawn.Close(parent);
            ChildSpawn.Close(child);
        }
    }

    public void Dispose() => temp.Dispose();
}
