namespace Berth.Linux.Tests;

public class NetworkDevicesTests
{
    // Captured from a pod's network namespace (Linux 6.8), plus an old-kernel line whose byte
    // count runs into the colon.
    private const string Sample = """
        Inter-|   Receive                                                |  Transmit
         face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
            lo:    2260      26    0    0    0     0          0         0     2260      26    0    0    0     0       0          0
          eth0:  181204    1421    2    3    0     0          0         0    98310     903    4    5    0     0       0          0
         eth1:12345678901     10    0    1    0     0          0         0        7       1    0    0    0     0       0          0
        """;

    [Fact]
    public void Parse_reads_rx_and_tx_bytes_packets_errors_and_drops_per_interface()
    {
        var interfaces = NetworkDevices.Parse(Sample);

        Assert.Equal(["lo", "eth0", "eth1"], interfaces.Select(i => i.Name));
        Assert.Equal(new InterfaceStats("eth0", 181204, 1421, 2, 3, 98310, 903, 4, 5), interfaces[1]);
        Assert.Equal(12345678901UL, interfaces[2].RxBytes);
        Assert.Equal(1UL, interfaces[2].RxDropped);
        Assert.Equal(7UL, interfaces[2].TxBytes);
    }

    [Theory]
    [InlineData("lo", true)]
    [InlineData("veth1a2b", true)]
    [InlineData("docker0", true)]
    [InlineData("nerdctl0", true)]
    [InlineData("eth0", false)]
    [InlineData("net1", false)]
    public void Ignores_the_interfaces_cadvisor_leaves_out(string name, bool ignored) =>
        Assert.Equal(ignored, NetworkDevices.IsIgnored(name));

    [Theory]
    [InlineData("eth0: 1 2 3")]
    [InlineData("eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 x")]
    [InlineData(": 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16")]
    public void Parse_rejects_a_malformed_line_naming_it(string line)
    {
        var error = Assert.Throws<FormatException>(() => NetworkDevices.Parse(line));

        Assert.Contains(line, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_takes_the_namespace_of_the_process_and_drops_loopback()
    {
        using var proc = new TempDirectory();
        File.WriteAllText(Path.Join(proc.CreateDirectory("42/net"), "dev"), Sample);

        var interfaces = NetworkDevices.Read(42, proc.Path)!;

        Assert.Equal(["eth0", "eth1"], interfaces.Select(i => i.Name));
        Assert.Null(NetworkDevices.Read(43, proc.Path));
    }
}
