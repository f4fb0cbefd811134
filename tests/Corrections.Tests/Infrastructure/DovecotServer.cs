using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;

namespace Corrections.Tests.Infrastructure;

/// <summary>
/// A real IMAP server (Debian's Dovecot, installed by tests/run.sh) on 127.0.0.1, with one mailbox in a temporary
/// folder; stopped and deleted when disposed.
/// </summary>
public sealed class DovecotServer : IAsyncDisposable
{
    public const string UserName = "corrections";
    public const string Password = "imap-test-password";

    private readonly string folder;
    private readonly string config;

    private DovecotServer(string folder, int port)
    {
        this.folder = folder;
        Port = port;
        config = Path.Combine(folder, "dovecot.conf");
    }

    public int Port { get; }

    /// <summary>Starts Dovecot on <paramref name="port"/>, or on a free port.</summary>
    public static async Task<DovecotServer> StartAsync(int? port = null)
    {
        const string binary = "/usr/sbin/dovecot";
        if (!File.Exists(binary))
            throw new InvalidOperationException("Dovecot is not installed: run the tests with tests/run.sh, which installs dovecot-imapd");

        var folder = Directory.CreateTempSubdirectory("corrections-imap-").FullName;
        var server = new DovecotServer(folder, port ?? TestPorts.Next());
        foreach (var sub in new[] { "run", "state", "mail", "home" })
            Directory.CreateDirectory(Path.Combine(folder, sub));
        File.WriteAllText(Path.Combine(folder, "users"), $"{UserName}:{{PLAIN}}{Password}\n");
        if (OperatingSystem.IsLinux())
            File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        await File.WriteAllTextAsync(server.config, $$"""
            base_dir = {{folder}}/run
            state_dir = {{folder}}/state
            log_path = {{folder}}/dovecot.log
            protocols = imap
            listen = 127.0.0.1
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            mail_location = maildir:{{folder}}/mail/%u
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{folder}}/users
            }
            userdb {
              driver = static
              args = uid=nobody gid=nogroup home={{folder}}/home/%u
            }
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{server.Port}}
              }
              inet_listener imaps {
                port = 0
              }
              chroot =
            }
            service anvil {
              chroot =
            }
            """);
        await Run("chown", "nobody:nogroup", Path.Combine(folder, "mail"), Path.Combine(folder, "home"));
        await Run(binary, "-c", server.config);
        await server.WaitUntilListeningAsync();
        return server;
    }

    public async Task<ImapClient> ConnectAsync()
    {
        var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(UserName, Password);
        return client;
    }

    /// <summary>Puts a message into the inbox, as if it had been delivered.</summary>
    public async Task DeliverAsync(MimeMessage message)
    {
        using var client = await ConnectAsync();
        await client.Inbox.AppendAsync(message);
        await client.DisconnectAsync(true);
    }

    public async Task<(int Inbox, int Processed)> CountAsync()
    {
        using var client = await ConnectAsync();
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var inbox = client.Inbox.Count;
        var root = client.GetFolder(client.PersonalNamespaces[0]);
        var processed = (await root.GetSubfoldersAsync()).FirstOrDefault(f => f.Name == "Processed");
        var done = 0;
        if (processed is not null)
        {
            await processed.OpenAsync(FolderAccess.ReadOnly);
            done = processed.Count;
        }
        await client.DisconnectAsync(true);
        return (inbox, done);
    }

    public async ValueTask DisposeAsync()
    {
        // The master is found by its command line, which names this server's configuration, not by its pid file: a test
        // that stops the server right after starting it may come before the file is written.
        // A process the master has just forked bears its command line until it runs its own program, and may be gone by
        // the time it is signalled; so the search is repeated until nothing with this configuration is left.
        for (var round = 0; round < 10 && MasterProcesses() is { Count: > 0 } running; round++)
        {
            foreach (var pid in running)
            {
                try
                {
                    await Run("kill", "-TERM", pid.ToString());
                }
                catch (InvalidOperationException) when (!Directory.Exists($"/proc/{pid}"))
                {
                    continue; // it ended on its own meanwhile
                }
                for (var i = 0; i < 100 && Directory.Exists($"/proc/{pid}"); i++)
                    await Task.Delay(50);
            }
        }
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private List<int> MasterProcesses()
    {
        static string? CommandLine(int pid)
        {
            try
            {
                return File.ReadAllText($"/proc/{pid}/cmdline");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null; // gone meanwhile
            }
        }
        return Directory.EnumerateDirectories("/proc")
            .Select(path => int.TryParse(Path.GetFileName(path), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && CommandLine(pid) is { } line && line.Contains("dovecot", StringComparison.Ordinal) && line.Contains(config, StringComparison.Ordinal))
            .ToList();
    }

    private async Task WaitUntilListeningAsync()
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new TimeoutException($"Dovecot did not listen on {Port}: {File.ReadAllText(Path.Combine(folder, "dovecot.log"))}");
    }

    private static async Task Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {await process.StandardError.ReadToEndAsync()}");
    }
}
