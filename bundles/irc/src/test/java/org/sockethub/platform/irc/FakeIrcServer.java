package org.sockethub.platform.irc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A scripted IRC server on a loopback port for the platform's unit tests: it registers one client
 * (optionally through SASL PLAIN), answers PING, JOIN, NAMES, TOPIC and NICK like a real server,
 * and records every line the client wrote.
 */
final class FakeIrcServer implements AutoCloseable {

    final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final ServerSocket listener;
    private volatile Socket socket;
    private volatile OutputStream out;
    String caps = "multi-prefix";
    String saslAccount = "jimmy";
    String saslPassword = "passw0rd";
    private String nick = "*";
    private boolean user;
    private boolean capNegotiating;
    private boolean registered;

    FakeIrcServer() throws IOException {
        listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::serve, "fake-irc");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    boolean accepted() {
        return socket != null;
    }

    private void serve() {
        try {
            socket = listener.accept();
            out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                received.add(line);
                answer(line);
            }
        } catch (IOException ignored) {
            // closed
        }
    }

    synchronized void send(String line) {
        try {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException ignored) {
            // closed
        }
    }

    private void answer(String line) {
        String[] w = line.split(" ", 3);
        String cmd = w[0];
        String arg = w.length > 1 ? w[1] : "";
        switch (cmd) {
            case "CAP" -> {
                if (arg.equals("LS")) {
                    capNegotiating = true;
                    send(":srv CAP * LS :" + caps);
                } else if (arg.equals("REQ")) {
                    send(":srv CAP * ACK " + w[2]);
                } else if (arg.equals("END")) {
                    capNegotiating = false;
                    maybeWelcome();
                }
            }
            case "AUTHENTICATE" -> {
                if (arg.equals("PLAIN") || arg.equals("OAUTHBEARER")) {
                    send("AUTHENTICATE :+");
                } else {
                    String clear = new String(Base64.getDecoder().decode(arg), StandardCharsets.UTF_8);
                    if (clear.equals(saslAccount + "\0" + saslAccount + "\0" + saslPassword)
                            || clear.equals("n,,\u0001auth=Bearer " + saslPassword + "\u0001\u0001")) {
                        send(":srv 900 " + nick + " " + nick + "!u@h " + saslAccount + " :You are now logged in");
                        send(":srv 903 " + nick + " :SASL authentication successful");
                    } else {
                        send(":srv 904 " + nick + " :SASL authentication failed");
                    }
                }
            }
            case "USER" -> {
                user = true;
                maybeWelcome();
            }
            case "NICK" -> {
                if (!registered) {
                    nick = arg;
                    if (nick.equals("taken")) {
                        send(":srv 433 * taken :Nickname is already in use.");
                    } else {
                        maybeWelcome();
                    }
                } else if (arg.equals("taken")) {
                    send(":srv 433 " + nick + " taken :Nickname is already in use.");
                } else if (!arg.equals(nick)) {
                    send(":" + nick + "!u@h NICK :" + arg);
                    nick = arg;
                }
            }
            case "PING" -> send(":srv PONG srv :" + arg);
            case "JOIN" -> {
                if (arg.equals("#inviteonly")) {
                    send(":srv 473 " + nick + " #inviteonly :Cannot join channel (+i)");
                } else {
                    send(":" + nick + "!u@h JOIN :" + arg);
                    send(":srv 353 " + nick + " = " + arg + " :@" + nick + " other");
                    send(":srv 366 " + nick + " " + arg + " :End of /NAMES list.");
                }
            }
            case "NAMES" -> {
                send(":srv 353 " + nick + " = " + arg + " :@" + nick + " other");
                send(":srv 366 " + nick + " " + arg + " :End of /NAMES list.");
            }
            case "TOPIC" -> {
                if (arg.equals("#notop")) {
                    send(":srv 482 " + nick + " #notop :You're not a channel operator");
                } else {
                    send(":" + nick + "!u@h TOPIC " + arg + " " + w[2]);
                }
            }
            default -> {
                // PRIVMSG, NOTICE, PART, WHO, MODE, WHOIS, QUIT: nothing to say
            }
        }
    }

    private void maybeWelcome() {
        if (registered || !user || nick.equals("*") || capNegotiating) {
            return;
        }
        registered = true;
        send(":srv 001 " + nick + " :Welcome");
        send(":srv 002 " + nick + " :Your host is srv");
        send(":srv 003 " + nick + " :This server was created today");
        send(":srv 004 " + nick + " srv test-1.0 iw ntkoibv");
        send(":srv 005 " + nick + " CHANTYPES=# PREFIX=(ov)@+ :are supported by this server");
        send(":srv 375 " + nick + " :- srv Message of the Day -");
        send(":srv 372 " + nick + " :- hello from the fake server");
        send(":srv 376 " + nick + " :End of /MOTD command.");
    }

    /** The next line the client wrote that matches, within the timeout; null if none. */
    String next(String prefix, long ms) throws InterruptedException {
        long deadline = System.currentTimeMillis() + ms;
        for (;;) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return null;
            }
            String line = received.poll(left, TimeUnit.MILLISECONDS);
            if (line == null) {
                return null;
            }
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    /** Every line written within {@code ms} that is not library housekeeping. */
    List<String> drain(long ms) throws InterruptedException {
        List<String> lines = new ArrayList<>();
        long deadline = System.currentTimeMillis() + ms;
        for (;;) {
            long left = deadline - System.currentTimeMillis();
            String line = left > 0 ? received.poll(left, TimeUnit.MILLISECONDS) : null;
            if (line == null) {
                return lines;
            }
            if (!line.startsWith("WHO") && !line.startsWith("MODE") && !line.startsWith("PONG")) {
                lines.add(line);
            }
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        if (socket != null) {
            socket.close();
        }
    }
}
