// Test data shared by the batch tests: a small C++ "sum" assignment (one visible and one hidden
// test) and programs that pass, fail, do not compile, or take their time.

export const CONFIG = `_settings:
  lang: cpp/g++:12
  lang_version_may_differ: true
  use_template: FILENAMES
  template: [main.cpp]
  stage_wait_duration_secs: 20
compile:
  input: ["*.cpp"]
  output: main
  flags: ["-std=c++17", "-O1"]
stdioTest:
  testCases:
    - { id: 1, file: main, stdin: "1 2", expected: "3", score: 1 }
    - { id: 2, file: main, file_stdin: t2.in, file_expected: t2.out, score: 1, visibility: ALWAYS_HIDDEN }
score:
  normalizedTo: 100
`;
export const ASSETS = [
  { path: 't2.in', content: Buffer.from('40 2\n') },
  { path: 't2.out', content: Buffer.from('42\n') },
];
export const PROGRAMS = {
  correct: '#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}\n',
  wrong: '#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a*b<<"\\n";}\n',
  broken: 'int main( { return 0; }\n',
  slow: '#include <iostream>\n#include <thread>\nint main(){std::this_thread::sleep_for(std::chrono::milliseconds(1500));long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}\n',
};

/** A two-test C++ config that adds two numbers (no template), for the CLI tests' small courses. */
export const ADD_CONFIG = [
  '_settings:',
  '  lang: cpp/g++:12',
  '  lang_version_may_differ: true',
  'compile: { input: ["*.cpp"], output: main }',
  'stdioTest:',
  '  testCases:',
  '    - { id: 1, file: main, stdin: "2 2", expected: "4", score: 1 }',
  '    - { id: 2, file: main, stdin: "1 2", expected: "3", score: 1 }',
  'score: { normalizedTo: 100 }',
].join('\n');
