using System.Net;
using System.Net.Sockets;

namespace Corrections.Testing;

/// <summary>
/// Ports for the servers that tests start on 127.0.0.1.
/// A port found by binding to port 0 comes from the kernel's ephemeral range, where it also takes the local ends of
/// outgoing connections: between choosing that port and a server binding it, a connection made meanwhile (by this test
/// run or the one beside it) can take it. These ports come from below that range, where nothing takes a port unasked.
/// Each is checked free when it is handed out, and each test run starts at its own random place, so that two runs at
/// once do not hand out the same ports.
/// </summary>
public static class TestPorts
{
    private const int Lowest = 10_000;
    private static readonly int Count = FirstEphemeralPort() - Lowest;

    // The process's place in the range; moved on atomically, so that concurrent tests never get the same port.
    private static int next = Random.Shared.Next(Count);

    /// <summary>A port on 127.0.0.1 that nothing listens on, and that no other caller in this process has been given.</summary>
    public static int Next()
    {
        for (var tries = 0; tries < 1000; tries++)
        {
            var port = Lowest + (int)((uint)Interlocked.Increment(ref next) % (uint)Count);
            if (IsFree(port))
                return port;
        }
        throw new InvalidOperationException($"No free port on 127.0.0.1 between {Lowest} and {Lowest + Count - 1}.");
    }

    private static bool IsFree(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port of the kernel's ephemeral range (Linux's default, 32768, where it cannot be read).</summary>
    private static int FirstEphemeralPort()
    {
        const int linuxDefault = 32_768;
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.TryParse(range[0], out var first) && first > Lowest + 1000 ? first : linuxDefault;
        }
        catch (IOException)
        {
            return linuxDefault;
        }
        catch (UnauthorizedAccessException)
        {
            return linuxDefault;
        }
    }
}
